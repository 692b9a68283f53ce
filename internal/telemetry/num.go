package telemetry

import (
	"errors"
	"time"
)

// Sentinel errors of the number and time parsers. They are values, not
// fmt.Errorf results, so the hot path never allocates for a bad field.
var (
	errSyntax = errors.New("syntax")
	errRange  = errors.New("out of range")
)

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	100000000, 1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000, 10000000000000000,
	100000000000000000, 1000000000000000000}

// parseScaled reads a non-negative decimal number (digits, an optional
// fraction, an optional exponent as JSON allows) and returns it multiplied
// by 10^scale, exactly: "102.25" with scale 3 is 102250. It works on the
// decimal text, never through a float, so no value is ever off by one
// unit. Digits beyond the scale are rounded half up. A minus sign or a value
// that does not fit in an int64 is errRange; anything else malformed is
// errSyntax.
func parseScaled(b []byte, scale int) (int64, error) {
	if len(b) == 0 {
		return 0, errSyntax
	}
	if b[0] == '-' {
		if len(b) > 1 && b[1] >= '0' && b[1] <= '9' {
			return 0, errRange
		}
		return 0, errSyntax
	}
	var mant uint64
	var digits, frac int // significant digits taken, digits taken after the point
	dropped := 0         // integer digits not taken because mant was full
	i := 0
	sawDigit, sawPoint := false, false
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if sawPoint {
				return 0, errSyntax
			}
			sawPoint = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		sawDigit = true
		if digits >= 19 {
			// Past 19 significant digits (all fit a uint64): integer digits scale the
			// value, fraction digits are below any unit we keep.
			if !sawPoint {
				dropped++
			}
			continue
		}
		if mant == 0 && c == '0' && !sawPoint {
			continue // leading zeros carry no digits
		}
		mant = mant*10 + uint64(c-'0')
		if mant != 0 {
			digits++
		}
		if sawPoint {
			frac++
		}
	}
	if !sawDigit {
		return 0, errSyntax
	}
	exp := 0
	if i < len(b) {
		if b[i] != 'e' && b[i] != 'E' {
			return 0, errSyntax
		}
		i++
		neg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			neg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, errSyntax
		}
		for ; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, errSyntax
			}
			if exp < 10000 {
				exp = exp*10 + int(c-'0')
			}
		}
		if neg {
			exp = -exp
		}
	}
	if mant == 0 {
		return 0, nil
	}
	shift := scale - frac + exp + dropped
	switch {
	case shift >= 0:
		if shift >= len(pow10) {
			return 0, errRange
		}
		p := uint64(pow10[shift])
		if mant > (1<<63-1)/p {
			return 0, errRange
		}
		return int64(mant * p), nil
	default:
		s := -shift
		if s >= len(pow10) {
			return 0, nil // far below one unit: rounds to zero
		}
		p := uint64(pow10[s])
		q, r := mant/p, mant%p
		if r*2 >= p {
			q++
		}
		return int64(q), nil
	}
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func digits2(b []byte, i int) (int, bool) {
	c0, c1 := b[i]-'0', b[i+1]-'0'
	if c0 > 9 || c1 > 9 {
		return 0, false
	}
	return int(c0)*10 + int(c1), true
}

var monthDays = [...]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// parseTime reads the timestamps the sources write: RFC 3339 with a Z or a
// numeric offset ("2025-12-14T21:09:20.757-08:00",
// "2026-03-01T12:00:00.123000+00:00"), the same with a space for the T
// (Logs Insights), and without any zone (sam logs), read as UTC. It returns
// the time in UTC. A hand-written parser: time.Parse is several times slower
// and the text decoder reads one timestamp per line.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) < 19 {
		return time.Time{}, false
	}
	sec, ok := parseSeconds(b[:19])
	if !ok {
		return time.Time{}, false
	}
	return parseTimeTail(sec, b[19:])
}

// parseSeconds reads "YYYY-MM-DDThh:mm:ss" as seconds since the epoch,
// before any zone offset.
func parseSeconds(b []byte) (int64, bool) {
	if len(b) != 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y1, ok1 := digits2(b, 0)
	y2, ok2 := digits2(b, 2)
	mo, ok3 := digits2(b, 5)
	d, ok4 := digits2(b, 8)
	h, ok5 := digits2(b, 11)
	mi, ok6 := digits2(b, 14)
	s, ok7 := digits2(b, 17)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, false
	}
	y := y1*100 + y2
	if mo < 1 || mo > 12 || d < 1 || d > monthDays[mo] || h > 23 || mi > 59 || s > 60 {
		return 0, false
	}
	if mo == 2 && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		return 0, false
	}
	return daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+s), true
}

// parseTimeTail reads what follows the seconds: a fraction and a zone.
func parseTimeTail(sec int64, b []byte) (time.Time, bool) {
	i := 0
	var nsec int64
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		n := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if n < 9 {
				nsec = nsec*10 + int64(b[i]-'0')
				n++
			}
		}
		if n == 0 {
			return time.Time{}, false
		}
		nsec *= pow10[9-n]
	}
	var off int64
	if i < len(b) {
		switch b[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			if len(b) < i+3 {
				return time.Time{}, false
			}
			oh, ok := digits2(b, i+1)
			if !ok {
				return time.Time{}, false
			}
			j := i + 3
			om := 0
			if j < len(b) && b[j] == ':' {
				j++
			}
			if len(b) >= j+2 {
				if m, ok := digits2(b, j); ok {
					om = m
					j += 2
				}
			}
			if oh > 23 || om > 59 {
				return time.Time{}, false
			}
			off = int64(oh*3600 + om*60)
			if b[i] == '-' {
				off = -off
			}
			i = j
		default:
			return time.Time{}, false
		}
	}
	if i != len(b) {
		return time.Time{}, false
	}
	return time.Unix(sec-off, nsec).UTC(), true
}

// stampCache remembers the last two timestamps' date and time to the
// second: consecutive lines share one, so most lines parse only their
// fraction. Two, because a REPORT is stamped when its invocation ends and
// the next START when it begins, so around each second's turn lines
// alternate between two seconds.
type stampCache struct {
	key [2][19]byte
	sec [2]int64
	ok  [2]bool
}

func (c *stampCache) parse(b []byte) (time.Time, bool) {
	if len(b) < 19 {
		return time.Time{}, false
	}
	switch {
	case c.ok[0] && string(b[:19]) == string(c.key[0][:]):
	case c.ok[1] && string(b[:19]) == string(c.key[1][:]):
		c.key[0], c.key[1] = c.key[1], c.key[0]
		c.sec[0], c.sec[1] = c.sec[1], c.sec[0]
		c.ok[0], c.ok[1] = c.ok[1], c.ok[0]
	default:
		sec, ok := parseSeconds(b[:19])
		if !ok {
			return time.Time{}, false
		}
		c.key[1], c.sec[1], c.ok[1] = c.key[0], c.sec[0], c.ok[0]
		copy(c.key[0][:], b[:19])
		c.sec[0], c.ok[0] = sec, true
	}
	return parseTimeTail(c.sec[0], b[19:])
}

// looksLikeTime is a cheap test for the start of an ISO timestamp.
func looksLikeTime(b []byte) bool {
	return len(b) >= 19 && b[0] >= '0' && b[0] <= '9' && b[4] == '-' && b[7] == '-' && (b[10] == 'T' || b[10] == ' ') && b[13] == ':'
}

// appendMillis renders microseconds as milliseconds with two decimals, the
// way Lambda prints them (%.2f), or three when the value needs them.
func appendMillis(dst []byte, us int64) []byte {
	dst = appendInt(dst, us/1000)
	f := us % 1000
	dst = append(dst, '.', byte('0'+f/100), byte('0'+f/10%10))
	if f%10 != 0 {
		dst = append(dst, byte('0'+f%10))
	}
	return dst
}

func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}
