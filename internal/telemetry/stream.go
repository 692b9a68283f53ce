package telemetry

import (
	"bytes"
	"encoding/binary"
	"time"
	"unsafe"
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
	group    string
	name     string
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
	// held is a failed invocation waiting for the stream's next line (see
	// emit).
	held    Invocation
	hasHeld bool
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
	if string(b) == d.lastIntn { // runs of equal values: no hashing
		return d.lastIntn
	}
	s, ok := d.intern[string(b)]
	if !ok {
		s = string(b)
		if len(d.intern) < 1<<16 {
			d.intern[s] = s
		}
	}
	d.lastIntn = s
	return s
}

// streamSlot picks a stream's entry in decoder.recent from the last eight
// bytes of its name (the environment id, random hex) and the lengths.
func streamSlot(group, name []byte) int {
	x := uint64(len(name)) ^ uint64(len(group))<<32
	if n := len(name); n >= 8 {
		x ^= binary.LittleEndian.Uint64(name[n-8:])
	}
	return int(x * 0x9e3779b97f4a7c15 >> (64 - 8)) // Fibonacci hashing, 8 bits
}

// stream returns the state of a log stream, creating it the first time;
// that is when a new numbered version becomes a Deploy. ts is the time of
// the event that named the stream (zero if unknown). Consecutive lines
// almost always come from the same stream, so the last one is checked
// first; lookups never allocate.
func (d *decoder) stream(group, name []byte, ts time.Time) (*streamState, error) {
	if st := d.last; st != nil && string(name) == st.name && string(group) == st.group {
		return st, nil
	}
	// Streams interleave (aws logs tail of a busy function): a small
	// cache of recent ones saves hashing a long name per line.
	slot := streamSlot(group, name)
	if st := d.recent[slot]; st != nil && string(name) == st.name && string(group) == st.group {
		d.last = st
		return st, nil
	}
	g, ok := d.groups[string(group)]
	if !ok {
		g = make(map[string]*streamState)
		d.groups[d.internBytes(group)] = g
	}
	if st, ok := g[string(name)]; ok {
		d.last = st
		d.recent[slot] = st
		return st, nil
	}
	if d.nStreams >= maxStreams {
		if err := d.releaseAll(); err != nil {
			return nil, err
		}
		clear(d.groups)
		clear(d.recent[:])
		d.nStreams = 0
		g = make(map[string]*streamState)
		d.groups[d.internBytes(group)] = g
	}
	st := &streamState{group: d.internBytes(group), name: string(name)}
	st.function, st.fnSrc = d.functionOf(st.group)
	if ver, env, ok := parseStreamName(name); ok {
		st.version = d.internBytes(ver)
		st.env = d.internBytes(env)
	}
	g[st.name] = st
	d.nStreams++
	d.last = st
	d.recent[slot] = st
	if st.version != "" {
		if err := d.newVersion(st.function, st.version, ts); err != nil {
			return st, err
		}
	}
	return st, nil
}

// idString copies a request id into a string carved from a shared chunk:
// one allocation per few hundred ids instead of one per record. The bytes
// of a chunk are never written again once a string points at them.
func (d *decoder) idString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 256 {
		return string(b)
	}
	if len(d.arena)+len(b) > cap(d.arena) {
		d.arena = make([]byte, 0, 16<<10)
	}
	off := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[off], len(b))
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
