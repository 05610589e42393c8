package prism

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// How Prism 5 in proxy mode reports a broken contract, as observed:
//   - a request that breaks the description is not forwarded; Prism answers
//     422 (or the operation's own documented 4xx) with an
//     application/problem+json body whose "validation" lists the problems;
//   - a response that breaks it becomes, with --errors, a 500 problem body
//     with the same list, also sent in the sl-violations header;
//   - Warning-level findings (such as a status code the operation does not
//     document) pass the upstream's response through, with sl-violations set;
//   - a path the description lacks gets a 404 problem body.
//
// Prism's own problem bodies have a type under this prefix; the stand-in's
// errors are GitHub-shaped application/json, so the two never mix.
const problemTypePrefix = "https://stoplight.io/prism/errors#"

type finding struct {
	Location []any  `json:"location"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func (f finding) String() string {
	loc := make([]string, len(f.Location))
	for i, part := range f.Location {
		loc[i] = fmt.Sprint(part)
	}
	return fmt.Sprintf("%s at %s: %s", f.Severity, strings.Join(loc, "."), f.Message)
}

type problem struct {
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Detail     string    `json:"detail"`
	Validation []finding `json:"validation"`
}

// inspect records what Prism found wrong with one exchange; it is the front
// proxy's ModifyResponse and leaves the response as the client would get it.
func (s *Server) inspect(resp *http.Response) error {
	var found []string
	seen := map[string]bool{}
	add := func(text string) {
		if !seen[text] {
			seen[text] = true
			found = append(found, text)
		}
	}

	if header := resp.Header.Get("sl-violations"); header != "" {
		var findings []finding
		if err := json.Unmarshal([]byte(header), &findings); err != nil {
			add("unreadable sl-violations header: " + header)
		}
		for _, f := range findings {
			add(f.String())
		}
	}
	if isProblem(resp.Header.Get("Content-Type")) {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("reading prism's answer: %w", err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var p problem
		if json.Unmarshal(body, &p) == nil && strings.HasPrefix(p.Type, problemTypePrefix) {
			for _, f := range p.Validation {
				add(f.String())
			}
			if len(p.Validation) == 0 {
				add(p.Title + ": " + p.Detail)
			}
		}
	}

	if len(found) > 0 {
		prefix := fmt.Sprintf("%s %s -> %d: ", resp.Request.Method, resp.Request.URL.RequestURI(), resp.StatusCode)
		for i := range found {
			found[i] = prefix + found[i]
		}
		s.record(found)
	}
	return nil
}

func isProblem(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == "application/problem+json"
}
