package follow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// end is why a tail reader ended its input.
type end int

const (
	endNone      end = iota
	endStop          // the context ended
	endIdle          // no growth for the idle time (the file is closed, not forgotten)
	endRotated       // another file now has the path: read it from the start
	endTruncated     // the file shrank: read it again from the start
	endRemoved       // the path is gone
)

// tailReader reads a file as it grows: at the end of what is written it
// waits and looks again, and it gives io.EOF (so the decoder finishes
// cleanly) only when the context ends, the file is rotated, truncated or
// removed, or it stopped growing for a while.
type tailReader struct {
	ctx  context.Context
	f    *os.File
	path string
	poll time.Duration
	// idle returns how long the file may stay without growth before the
	// reader lets go of it.
	idle func() time.Duration
	// atEnd is called each time the reader reaches the end of the file.
	atEnd func()

	off      int64
	last     byte
	lastData time.Time
	end      end
}

func (t *tailReader) Read(p []byte) (int, error) {
	for {
		stopping := t.ctx.Err() != nil
		if stopping && (t.off == 0 || t.last == '\n') {
			t.end = endStop
			return 0, io.EOF
		}
		n, err := t.f.Read(p)
		if n > 0 {
			if stopping {
				// Finish the line being read, so shutdown never cuts one.
				if i := bytes.IndexByte(p[:n], '\n'); i >= 0 && i+1 < n {
					if _, err := t.f.Seek(int64(i+1-n), io.SeekCurrent); err == nil {
						n = i + 1
					}
				}
			}
			t.off += int64(n)
			t.last = p[n-1]
			t.lastData = time.Now()
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if t.atEnd != nil {
			t.atEnd()
		}
		if stopping {
			t.end = endStop
			return 0, io.EOF
		}
		if e := t.check(); e != endNone {
			t.end = e
			return 0, io.EOF
		}
		if time.Since(t.lastData) >= t.idle() {
			t.end = endIdle
			return 0, io.EOF
		}
		timer := time.NewTimer(t.poll)
		select {
		case <-t.ctx.Done():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// check looks at the path: is it still this file, and no shorter than
// what was read?
func (t *tailReader) check() end {
	fi, err := os.Stat(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return endRemoved
	}
	if err != nil {
		return endNone
	}
	own, err := t.f.Stat()
	if err != nil {
		return endNone
	}
	if !os.SameFile(fi, own) {
		return endRotated
	}
	if own.Size() < t.off {
		return endTruncated
	}
	return endNone
}

// ctxReader ends with io.EOF when its context ends, for standard input,
// whose Read cannot be interrupted: a goroutine reads ahead into a pipe.
func ctxReader(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	go func() {
		<-ctx.Done()
		pw.CloseWithError(io.EOF)
	}()
	return pr
}
