package telemetry

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseScaled(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  int64
		err   error
	}{
		{"102.25", 3, 102250, nil},
		{"0.05", 3, 50, nil},
		{"376256.59", 3, 376256590, nil},
		{"1072.145", 3, 1072145, nil},
		{"5000.0", 3, 5000000, nil},
		{"463.512", 3, 463512, nil},
		{"0", 3, 0, nil},
		{"0.0004", 3, 0, nil},
		{"0.0005", 3, 1, nil}, // half up
		{"1.2345", 3, 1235, nil},
		{"1e3", 3, 1000000, nil},
		{"1.28E8", 0, 128000000, nil},
		{"2.5e-1", 3, 250, nil},
		{"607", 0, 607, nil},
		{"15.0", 0, 15, nil},
		{"9223372036854775807", 0, 9223372036854775807, nil},
		{"9223372036854775808", 0, 0, errRange},
		{"9223372036854775.807", 3, 9223372036854775807, nil},
		{"99999999999999999999", 3, 0, errRange},
		{"1e400", 3, 0, errRange},
		{"-1", 3, 0, errRange},
		{"", 3, 0, errSyntax},
		{".", 3, 0, errSyntax},
		{"1.2.3", 3, 0, errSyntax},
		{"12ms", 3, 0, errSyntax},
		{"1e", 3, 0, errSyntax},
		{"-", 3, 0, errSyntax},
	}
	for _, tt := range tests {
		got, err := parseScaled([]byte(tt.in), tt.scale)
		if got != tt.want || err != tt.err {
			t.Errorf("parseScaled(%q, %d) = %d, %v; want %d, %v", tt.in, tt.scale, got, err, tt.want, tt.err)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" for a parse failure
	}{
		{"2025-12-14T21:09:20.757-08:00", "2025-12-15T05:09:20.757Z"},
		{"2026-03-01T12:00:00.123000+00:00", "2026-03-01T12:00:00.123Z"},
		{"2025-06-09T23:36:02.676Z", "2025-06-09T23:36:02.676Z"},
		{"2024-04-23T13:26:04.780000", "2024-04-23T13:26:04.78Z"},
		{"2023-12-05 10:00:00.000", "2023-12-05T10:00:00Z"},
		{"2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z"},
		{"2026-03-01T12:00:00+0530", "2026-03-01T06:30:00Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2026-13-01T12:00:00Z", ""},
		{"2026-03-01T25:00:00Z", ""},
		{"2026-03-01T12:00:00.Z", ""},
		{"2026-03-01T12:00:00Q", ""},
		{"2026-03-01", ""},
	}
	for _, tt := range tests {
		got, ok := parseTime([]byte(tt.in))
		if tt.want == "" {
			if ok {
				t.Errorf("parseTime(%q) = %v, want failure", tt.in, got)
			}
			continue
		}
		want, _ := time.Parse(time.RFC3339Nano, tt.want)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, ok, want)
		}
	}
}

func TestAppendMillis(t *testing.T) {
	for us, want := range map[int64]string{102250: "102.25", 0: "0.00", 1072145: "1072.145", 5: "0.005", 600000000: "600000.00"} {
		if got := string(appendMillis(nil, us)); got != want {
			t.Errorf("appendMillis(%d) = %s, want %s", us, got, want)
		}
	}
}

func TestIndexSpace(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c == ' ' || c == '\t' {
				return i
			}
		}
		return -1
	}
	r := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte{' ', '\t', 'a', 0, 0x80, 0xff, 0x1f, 0x21, 0x08, 0x0a, 0xa0, 0x89}
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(3) > 0 {
				b[i] = byte('0' + r.IntN(40))
			}
		}
		if got, want := indexSpace(b), naive(b); got != want {
			t.Fatalf("indexSpace(%q) = %d, want %d", b, got, want)
		}
	}
}

// TestStampCache parses stamps that alternate between seconds, as START
// and REPORT lines do, and checks each against the uncached parser.
func TestStampCache(t *testing.T) {
	var c stampCache
	stamps := []string{
		"2026-03-01T12:00:00.999000+00:00", "2026-03-01T12:00:01.001000+00:00", "2026-03-01T12:00:00.998Z",
		"2026-03-01T12:00:01.5Z", "2026-03-01T12:00:02Z", "2026-03-01T12:00:00.1Z", "2026-03-01T12:00:02.000-08:00",
		"2026-03-01T12:00:0x.1Z", "2026-03-01T12:00:01.2Z", "2026-02-29T12:00:01.2Z", "2026-03-01T12:00:01",
	}
	for i := range 3 * len(stamps) {
		s := stamps[(i*7)%len(stamps)]
		got, gok := c.parse([]byte(s))
		want, wok := parseTime([]byte(s))
		if gok != wok || !got.Equal(want) {
			t.Fatalf("%s: cached %v %v, uncached %v %v", s, got, gok, want, wok)
		}
	}
}
