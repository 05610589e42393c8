package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paved-road/paved/bench/pavedbot"
)

func TestCommentPR(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/repos/acme/infra/issues/12/comments", 12},
		{http.MethodGet, "/repos/acme/infra/issues/12/comments", 0},
		{http.MethodPost, "/repos/acme/infra/issues/comments/5/reactions", 0},
		{http.MethodPost, "/repos/acme/infra/statuses/abc", 0},
	} {
		if got := commentPR(tc.method, tc.path); got != tc.want {
			t.Errorf("commentPR(%s %s) = %d, want %d", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestRedisInfo(t *testing.T) {
	info := "# Stats\r\ntotal_connections_received:3\r\ntotal_commands_processed:1234\r\n"
	reply := "$" + strconv.Itoa(len(info)) + "\r\n" + info + "\r\n"
	got, err := readBulk(bufio.NewReader(strings.NewReader(reply)))
	if err != nil || got != info {
		t.Fatalf("readBulk = %q, %v", got, err)
	}
	if v, ok := infoField(got, "total_commands_processed"); !ok || v != "1234" {
		t.Errorf("total_commands_processed = %q, %v", v, ok)
	}
	if _, ok := infoField(got, "total_commands"); ok {
		t.Error("a prefix of a field's name matched")
	}
	if _, err := readBulk(bufio.NewReader(strings.NewReader("-ERR unknown\r\n"))); err == nil {
		t.Error("an error reply read as a bulk string")
	}
}

func TestLogCounts(t *testing.T) {
	raw := []byte(`{"level":"INFO","msg":"command recorded","job":"1"}
{"level":"INFO","msg":"command started","job":"1"}
not json
{"level":"WARN","msg":"comment failed","err":"boom\nmore"}
{"level":"WARN","msg":"comment failed","err":"boom"}
{"level":"INFO","msg":"command started","job":"1"}
{"level":"INFO","msg":"paved-bot stopped","store_round_trips":42}
`)
	entries := pavedbot.ParseLog(raw)
	if len(entries) != 6 {
		t.Fatalf("%d entries, want 6", len(entries))
	}
	if n := countMsg(entries, "command started"); n != 2 {
		t.Errorf("command started %d times, want 2", n)
	}
	if v, ok := lastValue(entries, "paved-bot stopped", "store_round_trips"); !ok || v != 42 {
		t.Errorf("store_round_trips = %v, %v", v, ok)
	}
	if n := rerunCommands([][]map[string]any{entries}); n != 1 {
		t.Errorf("%d commands rerun, want 1", n)
	}
	issues := logIssues([]*replica{{name: "r1"}}, [][]map[string]any{entries})
	if len(issues) != 1 || issues[0] != "r1: WARN comment failed (boom) ×2" {
		t.Errorf("issues = %q", issues)
	}
}

func TestFlagDefaults(t *testing.T) {
	usage := "Usage of paved-bot serve:\n" +
		"  -lease duration\n    \thow long a command stays (default 30s)\n" +
		"  -parallelism int\n    \tprojects planned or applied at once per command (default 4)\n" +
		"  -port int\n    \tport for /events and /healthz (default 8080)\n" +
		"  -unsafe-no-sandbox\n    \trun terraform without the sandbox\n"
	got := flagDefaults(usage, "lease", "parallelism", "unsafe-no-sandbox")
	if len(got) != 2 || got["lease"] != "30s" || got["parallelism"] != "4" {
		t.Errorf("flagDefaults = %v", got)
	}
}

func TestPlaceApplies(t *testing.T) {
	r1 := pavedbot.ParseLog([]byte(`{"msg":"plan finished","pr":"acme/infra#1"}
{"msg":"apply finished","pr":"acme/infra#1","seconds":0.3,"terraform_seconds":0.25}
{"msg":"plan finished","pr":"acme/infra#2"}
`))
	r2 := pavedbot.ParseLog([]byte(`{"msg":"apply finished","pr":"acme/infra#2","seconds":0.9,"terraform_seconds":0.8}
`))
	pl := placeApplies([][]map[string]any{r1, r2})
	if len(pl.same) != 1 || len(pl.moved) != 1 || pl.moved[0].took != 900*time.Millisecond {
		t.Errorf("placement = %+v", pl)
	}
}
