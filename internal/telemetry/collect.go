package telemetry

// Collector is a Sink that keeps everything in memory, for tests and small
// inputs. Its zero value is ready to use.
type Collector struct {
	Invocations []Invocation
	Metrics     []Metric
	Deploys     []Deploy
	Rejected    []Rejected
}

// Invocation appends a copy of inv.
func (c *Collector) Invocation(inv *Invocation) error {
	c.Invocations = append(c.Invocations, *inv)
	return nil
}

// Metric appends a copy of m.
func (c *Collector) Metric(m *Metric) error {
	c.Metrics = append(c.Metrics, *m)
	return nil
}

// Deploy appends a copy of dep.
func (c *Collector) Deploy(dep *Deploy) error {
	c.Deploys = append(c.Deploys, *dep)
	return nil
}

// Reject appends r.
func (c *Collector) Reject(r Rejected) { c.Rejected = append(c.Rejected, r) }
