package telemetry_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/telemetry"
)

func ExampleDecode() {
	logs := "2026-03-01T12:00:00.600000+00:00 2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146 START RequestId: d683b1f7-ac35-4066-ae77-b6ab12a6fb32 Version: 12\n" +
		"2026-03-01T12:00:00.712000+00:00 2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146 REPORT RequestId: d683b1f7-ac35-4066-ae77-b6ab12a6fb32\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\t\n"
	var c telemetry.Collector
	sum, err := telemetry.Decode(context.Background(), strings.NewReader(logs),
		telemetry.Options{Path: "logs/aws/lambda/orders-api/tail.log", Now: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}, &c)
	if err != nil {
		panic(err)
	}
	inv := c.Invocations[0]
	fmt.Println(sum.Format, sum.Function, sum.FunctionSource)
	fmt.Println(inv.Function, inv.Version, inv.RequestID, inv.DurationUS, inv.Status, inv.End.Sub(inv.Start))
	fmt.Println(c.Deploys[0].Function, c.Deploys[0].Version, c.Deploys[0].Source)
	// Output:
	// text orders-api path
	// orders-api 12 d683b1f7-ac35-4066-ae77-b6ab12a6fb32 102250 success 112ms
	// orders-api 12 log-stream
}
