package engines

import (
	"strings"
	"testing"
)

func TestFamily(t *testing.T) {
	for _, tc := range []struct{ engine, version, family, err string }{
		{Redis, "6.2", "redis6.x", ""},
		{Redis, "7.1", "redis7", ""},
		{Valkey, "7.2", "valkey7", ""},
		{Valkey, "8.0", "valkey8", ""},
		{Redis, "5.0", "", `redis has no version "5.0"; supported versions are 6.0, 6.2, 7.0, 7.1`},
		{"memcached", "1.6", "", `engine "memcached" is not supported`},
	} {
		got, err := Family(tc.engine, tc.version)
		if got != tc.family || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Family(%s, %s) = %q, %v; want %q, %q", tc.engine, tc.version, got, err, tc.family, tc.err)
		}
	}
}

func TestCheckParameter(t *testing.T) {
	if err := CheckParameter("redis7", "maxmemory-policy"); err != nil {
		t.Error(err)
	}
	if err := CheckParameter("valkey8", "io-threads"); err != nil {
		t.Error(err)
	}
	err := CheckParameter("redis6.x", "maxmemory-polcy")
	if err == nil || !strings.Contains(err.Error(), `did you mean "maxmemory-policy"`) {
		t.Errorf("misspelt parameter: %v", err)
	}
	if err := CheckParameter("redis6.x", "io-threads"); err == nil {
		t.Error("io-threads accepted for redis6.x")
	}
	if err := CheckParameter("redis5.0", "timeout"); err == nil || !strings.Contains(err.Error(), "known families") {
		t.Errorf("unknown family: %v", err)
	}
}
