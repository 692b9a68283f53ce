// Command fnops is the operations toolkit for serverless applications.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fnops/fnops/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
