// Command fnops is the operations toolkit for serverless applications.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/fnops/fnops/internal/cli"
)

func main() {
	// No heap profile is ever taken from the CLI: sampling one costs
	// memory (its buckets) and time on every load.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
