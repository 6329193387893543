package otelobserver_test

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/policy/otelobserver"
	"github.com/yasam/privacy/purpose"
)

func ExampleNew() {
	reader := sdkmetric.NewManualReader() // a host would use an OTLP exporter
	obs, err := otelobserver.New(otelobserver.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		panic(err)
	}
	engine, err := policy.New(policy.WithObserver(obs))
	if err != nil {
		panic(err)
	}
	_, _ = engine.Check(context.Background(), "user-1", purpose.Payments, policy.Operator)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "privacy.decisions" {
			dp := m.Data.(metricdata.Sum[int64]).DataPoints[0]
			outcome, _ := dp.Attributes.Value("outcome")
			fmt.Println(m.Name, outcome.AsString(), dp.Value)
		}
	}
	// Output: privacy.decisions deny 1
}
