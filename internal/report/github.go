package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// githubWriter writes GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's diff:
//
//	::error file=template.yaml,line=12,col=3,title=sqs-sse::message
//
// Suppressed findings are left out. Info findings become notices.
type githubWriter struct{}

// ghData escapes a command's message; ghProp also escapes the
// characters that separate properties.
var (
	ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProp = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func (githubWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			continue
		}
		cmd := "notice"
		switch f.Severity {
		case app.SevError:
			cmd = "error"
		case app.SevWarning:
			cmd = "warning"
		}
		var props []string
		if f.Pos.File != "" {
			props = append(props, "file="+ghProp.Replace(slashPath(f.Pos.File)))
			if f.Pos.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
			}
			if f.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
			}
		}
		props = append(props, "title="+ghProp.Replace(f.Rule))
		msg := f.Message
		if f.Resource != "" {
			msg += " (" + f.Resource + ")"
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), ghData.Replace(msg))
	}
	return bw.Flush()
}
