package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed schedule expression.
type Schedule struct {
	// Expr is the expression as written.
	Expr string
	// Every is the period of a rate() expression; zero for cron and at.
	Every time.Duration
	cron  *cronSpec
	at    time.Time
}

// Parse reads rate(N unit), cron(min hour dom month dow year) and
// at(yyyy-mm-ddThh:mm:ss). Errors name the problem.
func Parse(expr string) (*Schedule, error) {
	e := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(e, "rate(") && strings.HasSuffix(e, ")"):
		d, err := parseRate(e[5 : len(e)-1])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return &Schedule{Expr: expr, Every: d}, nil
	case strings.HasPrefix(e, "cron(") && strings.HasSuffix(e, ")"):
		c, err := parseCron(e[5 : len(e)-1])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return &Schedule{Expr: expr, cron: c}, nil
	case strings.HasPrefix(e, "at(") && strings.HasSuffix(e, ")"):
		t, err := time.Parse("2006-01-02T15:04:05", e[3:len(e)-1])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		return &Schedule{Expr: expr, at: t}, nil
	}
	return nil, fmt.Errorf("schedule %q: want rate(...), cron(...) or at(...)", expr)
}

func parseRate(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("rate wants a value and a unit")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate value %q is not a positive integer", f[0])
	}
	var unit time.Duration
	switch strings.TrimSuffix(f[1], "s") {
	case "minute":
		unit = time.Minute
	case "hour":
		unit = time.Hour
	case "day":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("rate unit %q: want minute(s), hour(s) or day(s)", f[1])
	}
	return time.Duration(n) * unit, nil
}

// Period is the typical time between runs: the rate, or for cron the
// smallest gap between the first runs after 2026-01-05 (a Monday).
func (s *Schedule) Period() time.Duration {
	if s.Every > 0 {
		return s.Every
	}
	if s.cron == nil {
		return 0
	}
	t := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	runs := s.Between(t, t.Add(15*24*time.Hour))
	var best time.Duration
	for i := 1; i < len(runs); i++ {
		if d := runs[i].Sub(runs[i-1]); best == 0 || d < best {
			best = d
		}
	}
	return best
}

// Between lists the run times in [from, to), in order. A rate schedule is
// taken to run at multiples of its period since the Unix epoch (EventBridge
// starts the period at rule creation; without that time, epoch alignment is
// the stable choice).
func (s *Schedule) Between(from, to time.Time) []time.Time {
	from, to = from.UTC(), to.UTC()
	var out []time.Time
	switch {
	case s.Every > 0:
		t := from.Truncate(s.Every)
		if t.Before(from) {
			t = t.Add(s.Every)
		}
		for ; t.Before(to); t = t.Add(s.Every) {
			out = append(out, t)
		}
	case s.cron != nil:
		t := from.Truncate(time.Minute)
		if t.Before(from) {
			t = t.Add(time.Minute)
		}
		for ; t.Before(to); t = t.Add(time.Minute) {
			if !s.cron.dayMatches(t) {
				// Skip to the next day quickly.
				t = time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 0, 0, time.UTC)
				continue
			}
			if s.cron.matches(t) {
				out = append(out, t)
			}
		}
	default:
		if !s.at.Before(from) && s.at.Before(to) {
			out = append(out, s.at)
		}
	}
	return out
}

// cronSpec holds the six AWS cron fields as sets.
type cronSpec struct {
	min, hour, dom, month, dow [64]bool
	year                       map[int]bool // nil: any year
	domAny, dowAny             bool
	lastDOM                    bool
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(s string) (*cronSpec, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron wants 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	c := &cronSpec{}
	if err := setField(c.min[:], f[0], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("minutes: %w", err)
	}
	if err := setField(c.hour[:], f[1], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("hours: %w", err)
	}
	switch f[2] {
	case "?":
		c.domAny = true
	case "L":
		c.lastDOM = true
	default:
		if err := setField(c.dom[:], strings.TrimSuffix(f[2], "W"), 1, 31, nil); err != nil {
			return nil, fmt.Errorf("day-of-month: %w", err)
		}
	}
	if err := setField(c.month[:], f[3], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("month: %w", err)
	}
	if f[4] == "?" {
		c.dowAny = true
	} else {
		dow := f[4]
		if i := strings.IndexAny(dow, "#L"); i > 0 {
			dow = dow[:i] // nth-weekday and last-weekday: treated as the weekday
		}
		if err := setField(c.dow[:], dow, 1, 7, dayNames); err != nil {
			return nil, fmt.Errorf("day-of-week: %w", err)
		}
	}
	if c.domAny == c.dowAny && !c.lastDOM {
		return nil, fmt.Errorf("exactly one of day-of-month and day-of-week must be '?'")
	}
	if f[5] != "*" {
		years := make([]bool, 200) // 1970-2169
		if err := setField(years, shiftYears(f[5], -1970), 0, 199, nil); err != nil {
			return nil, fmt.Errorf("year: %w", err)
		}
		c.year = make(map[int]bool)
		for i, ok := range years {
			if ok {
				c.year[1970+i] = true
			}
		}
	}
	return c, nil
}

// shiftYears adds delta to every number in a year field, so that years
// fit setField's zero-based sets.
func shiftYears(s string, delta int) string {
	var b strings.Builder
	num := ""
	flush := func() {
		if num != "" {
			n, _ := strconv.Atoi(num)
			b.WriteString(strconv.Itoa(n + delta))
			num = ""
		}
	}
	for _, r := range s {
		if r >= '0' && r <= '9' {
			num += string(r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// setField fills set from a cron field: *, lists, ranges, steps and names.
func setField(set []bool, field string, lo, hi int, names map[string]int) error {
	for _, part := range strings.Split(field, ",") {
		step := 1
		if base, st, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(st)
			if err != nil || n <= 0 {
				return fmt.Errorf("bad step %q", st)
			}
			step, part = n, base
		}
		from, to := lo, hi
		switch {
		case part == "*":
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			var err error
			if from, err = cronValue(a, names); err != nil {
				return err
			}
			if to, err = cronValue(b, names); err != nil {
				return err
			}
		default:
			v, err := cronValue(part, names)
			if err != nil {
				return err
			}
			from, to = v, v
			if strings.Contains(field, "/") {
				to = hi
			}
		}
		if from < lo || to > hi || from > to {
			return fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return nil
}

func cronValue(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}

func (c *cronSpec) dayMatches(t time.Time) bool {
	if !c.month[int(t.Month())] {
		return false
	}
	if c.year != nil && !c.year[t.Year()] {
		return false
	}
	switch {
	case c.lastDOM:
		return t.AddDate(0, 0, 1).Day() == 1
	case c.domAny:
		return c.dow[int(t.Weekday())+1]
	default:
		return c.dom[t.Day()]
	}
}

func (c *cronSpec) matches(t time.Time) bool {
	return c.min[t.Minute()] && c.hour[t.Hour()] && c.dayMatches(t)
}
