package sim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fnops/fnops/internal/app"
)

// metricQuery is one entry of a get-metric-data query file
// (MetricDataQueries), as users keep them beside the output.
type metricQuery struct {
	ID         string     `json:"Id"`
	MetricStat metricStat `json:"MetricStat"`
	ReturnData bool       `json:"ReturnData"`
}

type metricStat struct {
	Metric struct {
		Namespace  string      `json:"Namespace"`
		MetricName string      `json:"MetricName"`
		Dimensions []dimension `json:"Dimensions"`
	} `json:"Metric"`
	Period int    `json:"Period"`
	Stat   string `json:"Stat"`
}

type dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// metricResult is one MetricDataResults entry of get-metric-data output:
// newest first, as the CLI returns it by default.
type metricResult struct {
	ID         string    `json:"Id"`
	Label      string    `json:"Label"`
	Timestamps []string  `json:"Timestamps"`
	Values     []float64 `json:"Values"`
	StatusCode string    `json:"StatusCode"`
}

type metricOutput struct {
	MetricDataResults []metricResult `json:"MetricDataResults"`
	Messages          []any          `json:"Messages"`
}

// series is one metric's per-minute values over the whole span.
type series struct {
	namespace, name, stat string
	dims                  []dimension
	label                 string
	values                []float64
}

// writeMetrics writes, per day, metrics/DAY.json (get-metric-data output)
// and metrics/DAY.query.json (the queries it answers): Lambda invocations,
// errors, throttles and concurrency per function; for each queue a function
// consumes, its age of oldest message, visible, received and deleted
// counts, and its DLQ's visible count; IteratorAge for stream consumers.
func writeMetrics(g *app.Graph, fns []*fnPlan, sims []*fnSim, cfg *Config) error {
	minutes := int(cfg.Span / time.Minute)
	var all []series
	for _, s := range sims {
		fn := []dimension{{"FunctionName", s.p.name}}
		all = append(all,
			series{"AWS/Lambda", "Invocations", "Sum", fn, s.p.name + " Invocations", ints(s.invocations)},
			series{"AWS/Lambda", "Errors", "Sum", fn, s.p.name + " Errors", ints(s.errors)},
			series{"AWS/Lambda", "Throttles", "Sum", fn, s.p.name + " Throttles", ints(s.throttles)},
			series{"AWS/Lambda", "ConcurrentExecutions", "Maximum", fn, s.p.name + " ConcurrentExecutions", ints(s.concurrency)},
		)
		src := s.p.source
		if src == nil {
			continue
		}
		switch src.Kind {
		case app.KindQueue:
			q := physicalName(src, cfg.StackName)
			qd := []dimension{{"QueueName", q}}
			age := make([]float64, minutes)
			visible := make([]float64, minutes)
			for m := range minutes {
				base := float64(s.records[m]) / 60
				age[m] = float64(int(1 + 3*unitHashes(cfg.Seed, fmt.Sprint(q, m), 1)[0]))
				visible[m] = float64(int(base * 0.3))
				if s.poisonAge[m] >= 0 {
					age[m] = float64(s.poisonAge[m])
					visible[m]++
				}
			}
			all = append(all,
				series{"AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", qd, q + " ApproximateAgeOfOldestMessage", age},
				series{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", qd, q + " ApproximateNumberOfMessagesVisible", visible},
				series{"AWS/SQS", "NumberOfMessagesReceived", "Sum", qd, q + " NumberOfMessagesReceived", ints(s.records)},
				series{"AWS/SQS", "NumberOfMessagesDeleted", "Sum", qd, q + " NumberOfMessagesDeleted", ints(s.deleted)},
			)
			if dlq := g.Resource(src.Text(app.AttrDeadLetterTarget)); dlq != nil {
				dn := physicalName(dlq, cfg.StackName)
				dv := make([]float64, minutes)
				for m := range minutes {
					if s.poisonMoved[m] {
						dv[m] = 1
					}
				}
				all = append(all, series{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
					[]dimension{{"QueueName", dn}}, dn + " ApproximateNumberOfMessagesVisible", dv})
			}
		case app.KindStream, app.KindTable:
			ia := make([]float64, minutes)
			for m := range minutes {
				if s.invocations[m] > 0 {
					ia[m] = float64(int(200 + 800*unitHashes(cfg.Seed, fmt.Sprint(s.p.id, m), 1)[0]))
				}
			}
			all = append(all, series{"AWS/Lambda", "IteratorAge", "Maximum", fn, s.p.name + " IteratorAge", ia})
		}
	}
	for day := 0; day*1440 < minutes; day++ {
		lo, hi := day*1440, min((day+1)*1440, minutes)
		var queries []metricQuery
		out := metricOutput{MetricDataResults: []metricResult{}, Messages: []any{}}
		for i, s := range all {
			id := fmt.Sprintf("m%d", i)
			q := metricQuery{ID: id, ReturnData: true}
			q.MetricStat.Metric.Namespace = s.namespace
			q.MetricStat.Metric.MetricName = s.name
			q.MetricStat.Metric.Dimensions = s.dims
			q.MetricStat.Period = 60
			q.MetricStat.Stat = s.stat
			queries = append(queries, q)
			r := metricResult{ID: id, Label: s.label, StatusCode: "Complete", Timestamps: []string{}, Values: []float64{}}
			for m := hi - 1; m >= lo; m-- {
				r.Timestamps = append(r.Timestamps, cfg.Start.Add(time.Duration(m)*time.Minute).Format("2006-01-02T15:04:05+00:00"))
				r.Values = append(r.Values, s.values[m])
			}
			out.MetricDataResults = append(out.MetricDataResults, r)
		}
		name := cfg.Start.Add(time.Duration(lo) * time.Minute).Format("2006-01-02")
		if err := writeMetricFile(filepath.Join(cfg.Out, "metrics", name+".json"), out, cfg.Gzip); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(cfg.Out, "metrics", name+".query.json"), queries); err != nil {
			return err
		}
	}
	return nil
}

// writeMetricFile writes get-metric-data output compactly, gzipped when
// asked (X.json.gz: the query file stays X.query.json beside it).
func writeMetricFile(path string, v any, gz bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if !gz {
		return os.WriteFile(path, append(data, '\n'), 0o644)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path+".gz", buf.Bytes(), 0o644)
}

func ints(v []int32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// stackEvent is one entry of `aws cloudformation describe-stack-events`.
type stackEvent struct {
	StackID            string `json:"StackId"`
	EventID            string `json:"EventId"`
	StackName          string `json:"StackName"`
	LogicalResourceID  string `json:"LogicalResourceId"`
	PhysicalResourceID string `json:"PhysicalResourceId"`
	ResourceType       string `json:"ResourceType"`
	Timestamp          string `json:"Timestamp"`
	ResourceStatus     string `json:"ResourceStatus"`
}

// writeStackEvents writes deploys/stack-events.json: for every deploy, the
// function's UPDATE_COMPLETE and the stack's, newest first as the CLI
// returns them. Functions publishing numbered versions show their deploys
// in log stream names too.
func writeStackEvents(cfg *Config, truth *Truth) error {
	stackID := fmt.Sprintf("arn:aws:cloudformation:%s:123456789012:stack/%s/6f1e2d3c-0000-4000-8000-000000000001", cfg.Region, cfg.StackName)
	var events []stackEvent
	for i, d := range truth.Deploys {
		ts := d.Time.UTC().Format("2006-01-02T15:04:05.000000+00:00")
		events = append(events,
			stackEvent{stackID, fmt.Sprintf("%s-UPDATE_COMPLETE-%d", d.Resource, i), cfg.StackName, d.Resource, d.Function, "AWS::Lambda::Function", ts, "UPDATE_COMPLETE"},
			stackEvent{stackID, fmt.Sprintf("stack-UPDATE_COMPLETE-%d", i), cfg.StackName, cfg.StackName, stackID, "AWS::CloudFormation::Stack", ts, "UPDATE_COMPLETE"},
		)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return writeJSON(filepath.Join(cfg.Out, "deploys", "stack-events.json"), map[string]any{"StackEvents": events})
}
