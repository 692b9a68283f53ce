package telemetry

import (
	"bufio"
	"io"
	"sync"
)

// lineReader yields lines without copying them and without ever holding
// more than max bytes: a longer line is read through and dropped, so one
// runaway line cannot blow memory.
type lineReader struct {
	br     *bufio.Reader
	src    *countReader
	line   int64 // number of the line last returned, 1-based
	offset int64 // byte offset where that line starts
	next   int64 // byte offset of the next line
}

// linePool recycles the line buffers: ingest decodes many small files,
// and each buffer is MaxLineBytes.
var linePool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, MaxLineBytes) }}

func newLineReader(src *countReader) *lineReader {
	br := linePool.Get().(*bufio.Reader)
	br.Reset(src)
	return &lineReader{br: br, src: src}
}

// release returns the buffer to the pool; l is unusable after.
func (l *lineReader) release() {
	l.br.Reset(nil)
	linePool.Put(l.br)
	l.br = nil
}

// peek returns up to n leading bytes without consuming them.
func (l *lineReader) peek(n int) []byte {
	b, _ := l.br.Peek(n)
	return b
}

// Read lets JSON decoders read the same stream.
func (l *lineReader) Read(p []byte) (int, error) { return l.br.Read(p) }

// readLine returns the next line without its line ending. tooLong reports
// a line that was longer than the buffer and has been skipped (line is then
// nil). At the end of input it returns io.EOF; a last line without a
// newline is returned first, unless the input ended on corrupt or
// truncated data, when it is dropped (truncated is then true): its text
// may be cut anywhere, a REPORT's last number included.
func (l *lineReader) readLine() (line []byte, tooLong, truncated bool, err error) {
	b, err := l.br.ReadSlice('\n')
	l.line++
	l.offset = l.next
	l.next += int64(len(b))
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			b, err = l.br.ReadSlice('\n')
			l.next += int64(len(b))
		}
		if err != nil && err != io.EOF {
			return nil, true, false, err
		}
		return nil, true, false, nil
	}
	if err != nil {
		if len(b) == 0 {
			return nil, false, false, err
		}
		if err != io.EOF {
			return nil, false, false, err
		}
		if l.src.err != nil {
			return nil, false, true, nil
		}
		err = nil
	} else {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, false, false, err
}
