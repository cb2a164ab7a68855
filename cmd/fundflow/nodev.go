//go:build nodev

package main

import (
	"context"
	"errors"
	"io"
)

// runDev is absent from production builds so they don't link the embedded
// Temporal server (about 150 MB of binary and its dependencies).
func runDev(context.Context, []string, func(string) string, io.Writer, io.Writer) error {
	return errors.New("this binary was built with -tags nodev; build without the tag to get `fundflow dev`")
}

// runBench loads a `fundflow dev`, which production builds do not have.
func runBench(context.Context, []string, func(string) string, io.Writer, io.Writer) error {
	return errors.New("this binary was built with -tags nodev; `fundflow bench` loads a `fundflow dev`, so build without the tag")
}

// runSeed fills a cluster with synthetic drafts for measuring, which no
// production cluster should hold.
func runSeed(context.Context, []string, func(string) string, io.Writer, io.Writer) error {
	return errors.New("this binary was built with -tags nodev; `fundflow seed` makes synthetic drafts for measuring a `fundflow dev`, so build without the tag")
}
