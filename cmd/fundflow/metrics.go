package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// newMetrics is one process's Prometheus registry, served on /metrics, and
// the Temporal SDK metrics handler that feeds it: the client's request
// counts and latencies, the worker's pollers, task slots and activity
// outcomes, and fundflow's own counters, which activities record through
// the same handler (activity.GetMetricsHandler).
//
// The SDK's metrics go through its OpenTelemetry contrib module and
// OpenTelemetry's Prometheus exporter rather than the tally contrib: tally
// is in maintenance, OpenTelemetry is what the SDK and Prometheus both
// develop against, and the exporter registers on the same
// client_golang registry as the HTTP metrics, so one endpoint serves both.
func newMetrics() (*prometheus.Registry, client.MetricsHandler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, nil, fmt.Errorf("metrics exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithView(sdkmetric.NewView(
		// The SDK times in seconds; OpenTelemetry's default buckets are
		// meant for milliseconds and would put every request in the first.
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
			Boundaries: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}},
	)))
	handler := temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter("fundflow"),
		UseMonotonicCounters: true,
		// A metric the exporter rejects is not worth a crash.
		OnError: func(error) {},
	})
	return reg, handler, nil
}
