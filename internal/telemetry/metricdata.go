package telemetry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
)

// MetricQuery is one entry of a MetricDataQueries file: what a
// get-metric-data result with the same Id measures.
type MetricQuery struct {
	ID         string
	Label      string
	Namespace  string
	Name       string
	Dimensions map[string]string
	Stat       string
	Period     int32
	Unit       string
	Expression string // a metric math expression; Namespace and Name are then ""
}

// MetricQueries are the queries of a get-metric-data call, by Id.
type MetricQueries struct {
	byID map[string]*MetricQuery
}

// Lookup returns the query with the given Id, or nil.
func (q *MetricQueries) Lookup(id string) *MetricQuery {
	if q == nil {
		return nil
	}
	return q.byID[id]
}

// Len is the number of queries.
func (q *MetricQueries) Len() int {
	if q == nil {
		return 0
	}
	return len(q.byID)
}

type queryJSON struct {
	ID         string `json:"Id"`
	Label      string `json:"Label"`
	Expression string `json:"Expression"`
	Period     int64  `json:"Period"`
	MetricStat *struct {
		Metric struct {
			Namespace  string `json:"Namespace"`
			MetricName string `json:"MetricName"`
			Dimensions []struct {
				Name  string `json:"Name"`
				Value string `json:"Value"`
			} `json:"Dimensions"`
		} `json:"Metric"`
		Period int64  `json:"Period"`
		Stat   string `json:"Stat"`
		Unit   string `json:"Unit"`
	} `json:"MetricStat"`
}

// ParseMetricQueries reads the MetricDataQueries JSON users pass to
// get-metric-data with --metric-data-queries: an array of queries, or an
// object with a MetricDataQueries array (--cli-input-json). Every query
// needs an Id; a query with MetricStat gives namespace, metric name,
// dimensions, stat, period and unit.
func ParseMetricQueries(r io.Reader) (*MetricQueries, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("read metric queries: %w", err)
	}
	var list []queryJSON
	if s := skipSpace(data); len(s) > 0 && s[0] == '{' {
		var obj struct {
			MetricDataQueries []queryJSON `json:"MetricDataQueries"`
		}
		err = json.Unmarshal(data, &obj)
		list = obj.MetricDataQueries
	} else {
		err = json.Unmarshal(data, &list)
	}
	if err != nil {
		return nil, fmt.Errorf("parse metric queries: %w", err)
	}
	q := &MetricQueries{byID: make(map[string]*MetricQuery, len(list))}
	for i, j := range list {
		if j.ID == "" {
			return nil, fmt.Errorf("parse metric queries: query %d has no Id", i)
		}
		mq := &MetricQuery{ID: j.ID, Label: j.Label, Expression: j.Expression}
		period := j.Period
		if ms := j.MetricStat; ms != nil {
			mq.Namespace = ms.Metric.Namespace
			mq.Name = ms.Metric.MetricName
			mq.Stat = ms.Stat
			mq.Unit = ms.Unit
			if ms.Period != 0 {
				period = ms.Period
			}
			if len(ms.Metric.Dimensions) > 0 {
				mq.Dimensions = make(map[string]string, len(ms.Metric.Dimensions))
				for _, dim := range ms.Metric.Dimensions {
					mq.Dimensions[dim.Name] = dim.Value
				}
			}
		}
		if period < 0 || period > math.MaxInt32 {
			return nil, fmt.Errorf("parse metric queries: query %s: period %d out of range", j.ID, period)
		}
		mq.Period = int32(period)
		q.byID[j.ID] = mq
	}
	return q, nil
}

// LoadMetricQueries reads a MetricDataQueries file (see ParseMetricQueries).
func LoadMetricQueries(path string) (*MetricQueries, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open metric queries: %w", err)
	}
	defer f.Close()
	q, err := ParseMetricQueries(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return q, nil
}

// QueriesPath is where the query file of a get-metric-data output file is
// looked for: X.query.json beside X.json (or X.json.gz, or X).
func QueriesPath(dataPath string) string {
	p := strings.TrimSuffix(dataPath, ".gz")
	p = strings.TrimSuffix(p, ".json")
	return p + ".query.json"
}

type metricResult struct {
	ID         string        `json:"Id"`
	Label      string        `json:"Label"`
	Timestamps []string      `json:"Timestamps"`
	Values     []json.Number `json:"Values"`
}

// decodeMetricData reads get-metric-data output, one MetricDataResults
// entry at a time. Its ids mean something only with the queries that
// asked for them (Options.Queries, else the query file beside the data);
// without them each datapoint is named by its Label alone and a note says so.
func (d *decoder) decodeMetricData(r io.Reader) error {
	q := d.opts.Queries
	if q == nil && d.opts.Path != "" && d.opts.Path != "-" {
		var err error
		q, err = LoadMetricQueries(QueriesPath(d.opts.Path))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			q = nil
		}
	}
	if q == nil {
		d.sum.Notes = append(d.sum.Notes, "metric data read without its queries (pass them, or put "+
			"X.query.json beside X.json): metrics are named by label only, without namespace or dimensions")
	}
	var res metricResult
	var m Metric
	return d.topLevel(r, func(dec *json.Decoder, key string) error {
		if key != "MetricDataResults" {
			return d.skipValue(dec)
		}
		return d.eachElement(dec, func() error {
			res = metricResult{}
			if err := dec.Decode(&res); d.jsonStopIn(dec, err) {
				return stopError{}
			} else if err != nil {
				return nil
			}
			if len(res.Timestamps) != len(res.Values) {
				d.reject(ReasonBadRecord)
				return nil
			}
			m = Metric{Name: res.Label}
			if mq := q.Lookup(res.ID); mq != nil {
				m.Namespace, m.Name, m.Dimensions = mq.Namespace, mq.Name, mq.Dimensions
				m.Stat, m.Period, m.Unit = mq.Stat, mq.Period, mq.Unit
				if m.Name == "" {
					m.Name = res.Label
				}
			} else if q != nil {
				d.sum.Notes = append(d.sum.Notes, "metric data id "+res.ID+" is not in the queries")
			}
			for i, s := range res.Timestamps {
				d.sum.Lines++
				t, ok := parseTime([]byte(s))
				if !ok {
					d.reject(ReasonBadTimestamp)
					continue
				}
				if !d.checkTime(t) {
					continue
				}
				v, err := res.Values[i].Float64()
				if err != nil || math.IsInf(v, 0) {
					d.reject(ReasonOutOfRange)
					continue
				}
				m.Time, m.Value = t, v
				d.sum.Metrics++
				if err := d.sink.Metric(&m); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// stackEvent is one entry of describe-stack-events output.
type stackEvent struct {
	StackName          string `json:"StackName"`
	LogicalResourceID  string `json:"LogicalResourceId"`
	PhysicalResourceID string `json:"PhysicalResourceId"`
	ResourceType       string `json:"ResourceType"`
	ResourceStatus     string `json:"ResourceStatus"`
	Timestamp          string `json:"Timestamp"`
}

// decodeStackEvents reads describe-stack-events output. A stack that
// reached UPDATE_COMPLETE or CREATE_COMPLETE is a stack-wide Deploy; a
// Lambda function or version that did is a Deploy of that function, named
// by its PhysicalResourceId (a function name, or a version ARN ending in
// :function:NAME:VERSION).
func (d *decoder) decodeStackEvents(r io.Reader) error {
	var ev stackEvent
	return d.topLevel(r, func(dec *json.Decoder, key string) error {
		if key != "StackEvents" {
			return d.skipValue(dec)
		}
		return d.eachElement(dec, func() error {
			ev = stackEvent{}
			if err := dec.Decode(&ev); d.jsonStopIn(dec, err) {
				return stopError{}
			} else if err != nil {
				return nil
			}
			d.sum.Lines++
			return d.stackEvent(&ev)
		})
	})
}

func (d *decoder) stackEvent(ev *stackEvent) error {
	if ev.ResourceStatus != "UPDATE_COMPLETE" && ev.ResourceStatus != "CREATE_COMPLETE" {
		d.skip("stack-event")
		return nil
	}
	dep := Deploy{Stack: ev.StackName, Label: ev.ResourceStatus, Source: "stack-events"}
	switch ev.ResourceType {
	case "AWS::CloudFormation::Stack":
	case "AWS::Lambda::Function":
		dep.Function = functionFromPhysicalID(ev.PhysicalResourceID)
		if dep.Function == "" {
			d.skip("stack-event")
			return nil
		}
	case "AWS::Lambda::Version":
		arn := ev.PhysicalResourceID
		dep.Function = functionFromPhysicalID(arn)
		if i := strings.LastIndexByte(arn, ':'); i >= 0 && strings.Contains(arn, ":function:") {
			dep.Version = arn[i+1:]
		}
		if dep.Function == "" || dep.Version == "" || dep.Version == dep.Function {
			d.skip("stack-event")
			return nil
		}
	default:
		d.skip("stack-event")
		return nil
	}
	t, ok := parseTime([]byte(ev.Timestamp))
	if !ok {
		d.reject(ReasonBadTimestamp)
		return nil
	}
	if !d.checkTime(t) {
		return nil
	}
	dep.Time = t
	d.sum.Deploys++
	return d.sink.Deploy(&dep)
}

// functionFromPhysicalID gives the function name of a Lambda resource's
// physical id: the name itself, or an ARN arn:aws:lambda:R:A:function:NAME[:Q].
func functionFromPhysicalID(id string) string {
	if _, rest, ok := strings.Cut(id, ":function:"); ok {
		name, _, _ := strings.Cut(rest, ":")
		return name
	}
	if strings.ContainsAny(id, ":/ ") {
		return ""
	}
	return id
}
