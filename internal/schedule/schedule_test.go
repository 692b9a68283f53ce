package schedule

import (
	"testing"
	"time"
)

func TestBetween(t *testing.T) {
	day := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC) // a Monday
	tests := []struct {
		expr  string
		from  time.Time
		to    time.Time
		count int
		first string
	}{
		{"rate(5 minutes)", day, day.Add(time.Hour), 12, "2026-11-16T00:00:00Z"},
		{"rate(1 hour)", day.Add(time.Minute), day.Add(24 * time.Hour), 23, "2026-11-16T01:00:00Z"},
		{"rate(1 day)", day, day.Add(7 * 24 * time.Hour), 7, "2026-11-16T00:00:00Z"},
		{"cron(0 3 * * ? *)", day, day.Add(7 * 24 * time.Hour), 7, "2026-11-16T03:00:00Z"},
		{"cron(0/15 * * * ? *)", day, day.Add(time.Hour), 4, "2026-11-16T00:00:00Z"},
		{"cron(30 9 ? * MON-FRI *)", day, day.Add(7 * 24 * time.Hour), 5, "2026-11-16T09:30:00Z"},
		{"cron(0 12 ? * SAT,SUN *)", day, day.Add(7 * 24 * time.Hour), 2, "2026-11-21T12:00:00Z"},
		{"cron(0 0 1 * ? *)", day, day.AddDate(0, 3, 0), 3, "2026-12-01T00:00:00Z"},
		{"cron(0 0 L * ? *)", day, day.AddDate(0, 1, 0), 1, "2026-11-30T00:00:00Z"},
		{"cron(0 8 * * ? 2027)", day, day.AddDate(0, 2, 0), 15, "2027-01-01T08:00:00Z"},
		{"at(2026-11-17T10:00:00)", day, day.Add(7 * 24 * time.Hour), 1, "2026-11-17T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			runs := s.Between(tt.from, tt.to)
			if len(runs) != tt.count {
				t.Fatalf("%d runs, want %d: %v", len(runs), tt.count, runs)
			}
			if got := runs[0].Format(time.RFC3339); got != tt.first {
				t.Errorf("first run %s, want %s", got, tt.first)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	for expr, want := range map[string]time.Duration{
		"rate(5 minutes)":         5 * time.Minute,
		"cron(0 3 * * ? *)":       24 * time.Hour,
		"cron(0/10 * * * ? *)":    10 * time.Minute,
		"cron(0 9 ? * MON-FRI *)": 24 * time.Hour,
	} {
		s, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Period(); got != want {
			t.Errorf("%s: period %v, want %v", expr, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, expr := range []string{
		"", "rate(0 minutes)", "rate(5 weeks)", "rate(five minutes)", "cron(0 3 * * *)",
		"cron(0 3 * * * *)", "cron(61 3 * * ? *)", "cron(0 3 ? * FUNDAY *)", "every day", "cron(0/0 * * * ? *)",
	} {
		if _, err := Parse(expr); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", expr)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"rate(5 minutes)", "cron(0 3 * * ? *)", "cron(0/15 9-17 ? * MON-FRI 2026-2030)", "at(2026-01-01T00:00:00)"} {
		f.Add(s)
	}
	day := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		_ = s.Between(day, day.Add(48*time.Hour))
		_ = s.Period()
	})
}
