package telemetry

import (
	"bytes"
	"time"
)

// maxPending bounds the requests a stream tracks between START and REPORT.
// An on-demand environment runs one request at a time, so one or two are
// normal; Lambda Managed Instances run several at once. When full, the
// oldest is forgotten: its REPORT will still decode, only without what
// its START and error lines added.
const maxPending = 16

// maxStreams bounds the streams tracked at once; past it the table is
// cleared (streams are many only in inputs that interleave thousands of
// environments, and then each is short-lived).
const maxStreams = 1 << 14

type streamKey struct{ group, stream string }

// pending is what is known of a request between its START and its REPORT.
type pending struct {
	id       [64]byte
	idLen    uint8
	start    time.Time
	version  string
	timedOut bool
	killed   bool // "Runtime exited with error: signal: killed"
	failed   bool // an error seen before the REPORT (runtimeDone, fault line)
	errType  string
}

// streamState is one log stream: one execution environment of one version
// of one function.
type streamState struct {
	function string
	fnSrc    FunctionSource
	version  string
	env      string
	pend     []pending
	// Signals seen without a request id, for the stream's next REPORT.
	anon pending
	// initErr is the error type of a failed INIT_REPORT (or platform.initReport)
	// not yet matched to a REPORT.
	initErr string
	// memMB is the environment's memory from a platform.initStart's
	// instanceMaxMemory, for 2025-01-29 reports that omit memorySizeMB.
	memMB int32
}

func (s *streamState) find(id []byte) *pending {
	if i := s.index(id); i >= 0 {
		return &s.pend[i]
	}
	return nil
}

func (s *streamState) index(id []byte) int {
	if len(id) == 0 || len(id) > 64 {
		return -1
	}
	for i := len(s.pend) - 1; i >= 0; i-- {
		p := &s.pend[i]
		if int(p.idLen) == len(id) && bytes.Equal(p.id[:p.idLen], id) {
			return i
		}
	}
	return -1
}

// add starts tracking id, or returns it if tracked already.
func (s *streamState) add(id []byte) *pending {
	if p := s.find(id); p != nil {
		return p
	}
	if len(id) == 0 || len(id) > 64 {
		return &s.anon
	}
	if len(s.pend) == maxPending {
		copy(s.pend, s.pend[1:])
		s.pend = s.pend[:maxPending-1]
	}
	if s.pend == nil {
		s.pend = make([]pending, 0, 2)
	}
	s.pend = append(s.pend, pending{})
	p := &s.pend[len(s.pend)-1]
	p.idLen = uint8(copy(p.id[:], id))
	return p
}

// current is the request lines without a request id belong to: the last
// one started, or the stream's anonymous slot.
func (s *streamState) current() *pending {
	if n := len(s.pend); n > 0 {
		return &s.pend[n-1]
	}
	return &s.anon
}

// take removes and returns the pending state of id (a copy), merged with
// what was seen without an id.
func (s *streamState) take(id []byte) pending {
	var out pending
	if i := s.index(id); i >= 0 {
		out = s.pend[i]
		copy(s.pend[i:], s.pend[i+1:])
		s.pend = s.pend[:len(s.pend)-1]
	}
	if s.anon.timedOut || s.anon.killed || s.anon.failed || s.anon.errType != "" {
		out.timedOut = out.timedOut || s.anon.timedOut
		out.killed = out.killed || s.anon.killed
		out.failed = out.failed || s.anon.failed
		if out.errType == "" {
			out.errType = s.anon.errType
		}
		s.anon = pending{}
	}
	return out
}

// internBytes returns b as a string shared by every equal value seen, so
// function names, versions, environment ids and error types cost one
// allocation each per input, not one per record.
func (d *decoder) internBytes(b []byte) string {
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.intern) < 1<<16 {
		d.intern[s] = s
	}
	return s
}

func (d *decoder) internString(s string) string {
	if t, ok := d.intern[s]; ok {
		return t
	}
	if len(d.intern) < 1<<16 {
		d.intern[s] = s
	}
	return s
}

// stream returns the state of a log stream, creating it the first time;
// that is when a new numbered version becomes a Deploy. ts is the time of
// the event that named the stream (zero if unknown).
func (d *decoder) stream(group, name []byte, ts time.Time) (*streamState, error) {
	var k streamKey
	if len(group) > 0 {
		k.group = d.internBytes(group)
	}
	if len(name) > 0 {
		k.stream = d.internBytes(name)
	}
	if st, ok := d.streams[k]; ok {
		return st, nil
	}
	if len(d.streams) >= maxStreams {
		clear(d.streams)
	}
	st := &streamState{}
	st.function, st.fnSrc = d.functionOf(k.group)
	if ver, env, ok := parseStreamName(name); ok {
		st.version = d.internBytes(ver)
		st.env = d.internBytes(env)
	}
	d.streams[k] = st
	if st.version != "" {
		if err := d.newVersion(st.function, st.version, ts); err != nil {
			return st, err
		}
	}
	return st, nil
}

// newVersion emits a Deploy the first time a numbered version of a
// function appears. $LATEST is not a deploy: every unpublished function
// runs it, and its code changes leave no trace in the stream name.
func (d *decoder) newVersion(function, version string, ts time.Time) error {
	if version == "" || version[0] < '0' || version[0] > '9' || function == "" {
		return nil
	}
	k := [2]string{function, version}
	if _, ok := d.deploys[k]; ok {
		return nil
	}
	d.deploys[k] = struct{}{}
	d.sum.Deploys++
	return d.sink.Deploy(&Deploy{
		Function: function,
		Version:  version,
		Time:     ts,
		Label:    "version " + version,
		Source:   "log-stream",
	})
}

// parseStreamName splits a Lambda log stream name,
// YYYY/MM/DD/[VERSION]ENVID, into its version and environment id. The JSON
// format's instanceId puts the function name before the bracket
// (2026/10/08/NAME[$LATEST]ID); that form is accepted too.
func parseStreamName(b []byte) (version, env []byte, ok bool) {
	if len(b) < 13 || b[4] != '/' || b[7] != '/' || b[10] != '/' {
		return nil, nil, false
	}
	i := bytes.IndexByte(b[11:], '[')
	if i < 0 {
		return nil, nil, false
	}
	i += 11
	j := bytes.IndexByte(b[i:], ']')
	if j < 2 {
		return nil, nil, false
	}
	return b[i+1 : i+j], b[i+j+1:], true
}

// looksLikeStream is a cheap test for a log stream name token.
func looksLikeStream(b []byte) bool {
	return len(b) >= 13 && b[4] == '/' && b[7] == '/' && b[10] == '/' && b[0] >= '0' && b[0] <= '9' && bytes.IndexByte(b, '[') > 0
}
