package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// SlackSink posts each notification to a Slack incoming webhook as a Block
// Kit message (with a plain-text fallback for notifications).
type SlackSink struct {
	name   string
	url    string
	client *http.Client
}

// NewSlackSink returns a sink posting to the incoming-webhook url.
func NewSlackSink(name, url string, client *http.Client) *SlackSink {
	return &SlackSink{name: name, url: url, client: noRedirects(client)}
}

// Name implements Sink.
func (s *SlackSink) Name() string { return s.name }

// Send implements Sink.
func (s *SlackSink) Send(ctx context.Context, n Notification) error {
	body, err := json.Marshal(SlackMessage(n))
	if err != nil {
		return &SendError{Err: fmt.Errorf("encode slack message: %w", err)}
	}
	return post(ctx, s.client, s.url, nil, body)
}

// Block Kit limits (api.slack.com/reference/block-kit/blocks).
const (
	slackHeaderMax = 150
	slackTextMax   = 3000
	slackFieldMax  = 2000
)

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// SlackMessage is the incoming-webhook payload for n: a header with the
// event, severity, kind and resource, the title, the facts as fields, the
// details, and a context line with the app and key.
func SlackMessage(n Notification) any {
	a := n.Alert
	icon := map[Severity]string{Critical: ":red_circle:", Warning: ":warning:", Info: ":information_source:"}[a.Severity]
	if n.Event == EventResolve {
		icon = ":white_check_mark:"
	} else if n.Event == EventNoData {
		icon = ":grey_question:"
	}
	head := fmt.Sprintf("%s %s: %s %s on %s", icon, n.verb(), a.Severity, a.Kind, a.Resource)
	p := slackPayload{Text: fmt.Sprintf("%s %s %s on %s: %s", n.verb(), a.Severity, a.Kind, a.Resource, a.Title)}
	p.Blocks = append(p.Blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: clip(head, slackHeaderMax), Emoji: true}})
	if a.Title != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: clip("*"+slackEscape(a.Title)+"*", slackTextMax)}})
	}
	fields := []slackText{
		{Type: "mrkdwn", Text: "*Event*\n" + string(n.Event)},
		{Type: "mrkdwn", Text: "*Severity*\n" + string(a.Severity) + prevNote(n)},
		{Type: "mrkdwn", Text: "*Resource*\n`" + clip(slackEscape(a.Resource), slackFieldMax-20) + "`"},
		{Type: "mrkdwn", Text: "*Kind*\n" + slackEscape(a.Kind)},
	}
	if !a.FirstSeen.IsZero() {
		fields = append(fields, slackText{Type: "mrkdwn", Text: "*First seen*\n" + slackDate(a.FirstSeen.Unix(), a.FirstSeen.Format("2006-01-02 15:04 UTC"))})
	}
	if a.Flaps > 0 {
		fields = append(fields, slackText{Type: "mrkdwn", Text: fmt.Sprintf("*Flaps*\n%d (held down)", a.Flaps)})
	}
	p.Blocks = append(p.Blocks, slackBlock{Type: "section", Fields: fields})
	if a.Details != "" && n.Event != EventResolve {
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: clip(slackEscape(a.Details), slackTextMax)}})
	}
	ctxLine := "fnops"
	if n.App != "" {
		ctxLine += " · " + slackEscape(n.App)
	}
	ctxLine += " · " + slackEscape(a.Key)
	p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: clip(ctxLine, slackTextMax)}}})
	return p
}

func prevNote(n Notification) string {
	if n.PreviousSeverity == "" {
		return ""
	}
	return " (was " + string(n.PreviousSeverity) + ")"
}

// slackDate renders a time the reader's Slack shows in their time zone.
func slackDate(unix int64, fallback string) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", unix, fallback)
}

// slackEscape escapes the three characters mrkdwn gives meaning to.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// clip shortens s to at most n characters (runes), ending with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
