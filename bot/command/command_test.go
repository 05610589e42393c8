package command

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseIgnoresCommentsNotForPaved(t *testing.T) {
	for _, comment := range []string{
		"",
		"  \n\t\n",
		"LGTM",
		"Paved plan",
		"pavedplan",
		"please paved plan",
		"> paved plan",
		"looks good\npaved plan",
	} {
		cmd, err := Parse(comment)
		if cmd != nil || err != nil {
			t.Errorf("Parse(%q) = %+v, %v; want nil, nil", comment, cmd, err)
		}
	}
}

func TestParseCommands(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		comment string
		want    Command
	}{
		{"paved plan", Command{Name: Plan}},
		{"\n\n   paved   plan  \r\nthe rest is ignored; $(rm -rf /)", Command{Name: Plan}},
		{"paved apply", Command{Name: Apply}},
		{"paved unlock", Command{Name: Unlock}},
		{"paved help", Command{Name: Help}},
		{"paved history", Command{Name: History, Limit: 10}},
		{"paved history -n 25 -p app", Command{Name: History, Project: "app", Limit: 25}},
		{"paved history -n=1", Command{Name: History, Limit: 1}},
		{"paved plan -p app-1.prod_x -w staging", Command{Name: Plan, Project: "app-1.prod_x", Workspace: "staging"}},
		{"paved plan -d ./infra//app/", Command{Name: Plan, Dir: "infra/app"}},
		{"paved plan -d infra/app/../db", Command{Name: Plan, Dir: "infra/db"}},
		{"paved plan -d .", Command{Name: Plan, Dir: "."}},
		{"paved apply -d=infra/app -w=prod", Command{Name: Apply, Dir: "infra/app", Workspace: "prod"}},
		{"paved unlock -d infra/app", Command{Name: Unlock, Dir: "infra/app"}},
		{"paved approve-policies", Command{Name: ApprovePolicies}},
		{"paved approve-policies -p app -w prod", Command{Name: ApprovePolicies, Project: "app", Workspace: "prod"}},
		{"paved plan -p app --rev paved/app/default/2024-05-01.3", Command{Name: Plan, Project: "app", Rev: "paved/app/default/2024-05-01.3"}},
		{"paved plan --rev 3f2a9c1", Command{Name: Plan, Rev: "3f2a9c1"}},
		{"paved plan --", Command{Name: Plan}},
		{"paved plan -d infra -- -target=terraform_data.a --target terraform_data.b[0] -replace terraform_data.c",
			Command{Name: Plan, Dir: "infra", Options: PlanOptions{
				Targets:  []string{"terraform_data.a", "terraform_data.b[0]"},
				Replaces: []string{"terraform_data.c"},
			}}},
		{"paved plan -- -var=replicas=3 -var name=web --var=empty= -var-file=prod.tfvars -var-file ../shared/common.tfvars",
			Command{Name: Plan, Options: PlanOptions{
				Vars:     []string{"replicas=3", "name=web", "empty="},
				VarFiles: []string{"prod.tfvars", "../shared/common.tfvars"},
			}}},
		{"paved plan -- -refresh=false -parallelism=4 -lock-timeout 5m", Command{Name: Plan, Options: PlanOptions{
			Refresh: &no, Parallelism: 4, LockTimeout: "5m",
		}}},
		{"paved plan -- --refresh true -parallelism 256 --lock-timeout=1h30m", Command{Name: Plan, Options: PlanOptions{
			Refresh: &yes, Parallelism: 256, LockTimeout: "1h30m",
		}}},
		{"paved plan -- -refresh-only", Command{Name: Plan, Options: PlanOptions{RefreshOnly: true}}},
		{"paved plan -- --destroy", Command{Name: Plan, Options: PlanOptions{Destroy: true}}},
	} {
		t.Run(tc.comment, func(t *testing.T) {
			cmd, err := Parse(tc.comment)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*cmd, tc.want) {
				t.Errorf("got  %+v\nwant %+v", *cmd, tc.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		comment string
		problem string // a part of the problem the reply must state
	}{
		// Anything a shell would act on.
		{"paved plan; rm -rf /", "`plan;` contains `;`"},
		{"paved plan -d infra&&curl", "`infra&&curl` contains `&`"},
		{"paved plan -p a|b", "contains `|`"},
		{"paved plan -p $HOME", "contains `$`"},
		{"paved plan -p `id`", "`` `id` `` contains `` ` ``"},
		{"paved plan -d <in", "contains `<`"},
		{"paved plan -d >out", "contains `>`"},
		{`paved plan -d infra\app`, "contains `\\`"},
		{"paved plan -p $(id)", "contains `$`"},
		{"paved plan -p (x)", "contains `(`"},
		{"paved plan -- -var=tags={a=1}", "use -var-file"},
		{"paved plan -- -target=a.*", "contains `*`"},
		{"paved plan -p a?", "contains `?`"},
		{"paved plan -p !x", "contains `!`"},
		{"paved plan -d ~/x", "contains `~`"},
		{"paved plan -- -var='n=1'", "without quotes"},
		{`paved plan -- -var="n=1"`, "without quotes"},
		{"paved plan -p a\x00b", "`a\\x00b` contains `\\x00`"},
		// Words paved does not know.
		{"paved", "needs a command"},
		{"paved destroy", "unknown command `destroy`"},
		{"paved pan", "unknown command `pan` (did you mean plan?)"},
		{"paved approve_policies", "unknown command `approve_policies` (did you mean approve-policies?)"},
		{"paved approve-policies -- -target=a", "`paved approve-policies` takes no terraform arguments"},
		{"paved approve-policies -n 3", "flag -n cannot be used with `paved approve-policies`"},
		{"paved approve-policies --rev v1", "flag --rev cannot be used with `paved approve-policies`"},
		{"paved Plan", "unknown command `Plan`"},
		{"paved plan now", "unexpected argument `now`"},
		{"paved plan -x 1", "unknown flag `-x`"},
		{"paved plan --foo", "unknown flag `--foo`"},
		{"paved plan -rev v1", "unknown flag `-rev` (did you mean --rev?)"},
		// Flags used wrongly.
		{"paved plan -p", "flag -p needs a value"},
		{"paved plan -d -w prod", "flag -d needs a value"},
		{"paved plan -p a -p b", "flag -p is given twice"},
		{"paved plan -p a -d infra", "-p and -d cannot be used together"},
		{"paved apply --rev v1", "flag --rev cannot be used with `paved apply`"},
		{"paved plan -n 5", "flag -n cannot be used with `paved plan`"},
		{"paved help -p app", "flag -p cannot be used with `paved help`"},
		{"paved apply -- -target=a.b", "`paved apply` takes no terraform arguments"},
		{"paved unlock -- -destroy", "`paved unlock` takes no terraform arguments"},
		{"paved history --", "`paved history` takes no terraform arguments"},
		{"paved help -- -destroy", "`paved help` takes no terraform arguments"},
		// Values that are not what the flag takes.
		{"paved plan -d /etc", "`/etc` is absolute"},
		{"paved plan -d ..", "`..` is outside the repository"},
		{"paved plan -d infra/../../x", "`infra/../../x` is outside the repository"},
		{"paved plan -p app/x", "`app/x` is not a valid name"},
		{"paved plan -p _app", "`_app` is not a valid name"},
		{"paved plan -p " + strings.Repeat("a", 65), "is not a valid name"},
		{"paved plan -w prod/eu", "flag -w: `prod/eu` is not a valid name"},
		{"paved plan --rev v1..v2", "`v1..v2` is not a tag or commit"},
		{"paved plan --rev=-v1", "`-v1` is not a tag or commit"},
		{"paved plan --rev .hidden", "`.hidden` is not a tag or commit"},
		{"paved history -n 0", "`0` is not a number from 1 to 100"},
		{"paved history -n 101", "`101` is not a number from 1 to 100"},
		{"paved history -n ten", "`ten` is not a number from 1 to 100"},
		// Terraform arguments outside the allow-list.
		{"paved plan -- -chdir=/", "-chdir is not allowed: it would run terraform outside the project"},
		{"paved plan -- -state=x.tfstate", "-state is not allowed: it would write state somewhere other than the backend"},
		{"paved plan -- --state-out=x", "-state-out is not allowed: it would write state"},
		{"paved plan -- -backup=x", "-backup is not allowed: it would write state"},
		{"paved plan -- -plugin-dir=x", "-plugin-dir is not allowed: it would load unvetted provider plugins"},
		{"paved plan -- -out=x.tfplan", "-out is not allowed: paved chooses the plan file"},
		{"paved plan -- -lock=false", "-lock is not allowed: state locking cannot be disabled"},
		{"paved plan -- -input=true", "-input is not allowed"},
		{"paved plan -- -json", "`-json` is not allowed; allowed are -target=ADDR"},
		{"paved plan -- -targte=a.b", "`-targte` is not allowed (did you mean -target?)"},
		{"paved plan -- terraform_data.a", "unexpected terraform argument `terraform_data.a`"},
		{"paved plan -- -target", "-target needs a value, as in -target=terraform_data.web"},
		{"paved plan -- -target -destroy", "-target needs a value"},
		{"paved plan -- -target=", "the resource address must not be empty"},
		{"paved plan -- -var=replicas", "`replicas` is not NAME=VALUE"},
		{"paved plan -- -var=9x=1", "`9x=1` is not NAME=VALUE"},
		{"paved plan -- -var-file=/etc/passwd", "`/etc/passwd` is absolute"},
		{"paved plan -- -var-file=", "the file name must not be empty"},
		{"paved plan -- -refresh", "-refresh needs a value"},
		{"paved plan -- -refresh=no", "`no` is not true or false"},
		{"paved plan -- -refresh=1", "`1` is not true or false"},
		{"paved plan -- -refresh=false -refresh=true", "-refresh is given twice"},
		{"paved plan -- -destroy=true", "-destroy takes no value"},
		{"paved plan -- -destroy -refresh-only", "-destroy and -refresh-only cannot be used together"},
		{"paved plan -- -parallelism=0", "`0` is not a number from 1 to 256"},
		{"paved plan -- -parallelism=257", "`257` is not a number from 1 to 256"},
		{"paved plan -- -lock-timeout=5 minutes", "-lock-timeout: `5` is not a duration"},
		{"paved plan -- -lock-timeout=-1s", "`-1s` is not a duration"},
	} {
		t.Run(tc.comment, func(t *testing.T) {
			cmd, err := Parse(tc.comment)
			if err == nil {
				t.Fatalf("Parse returned %+v, want an error stating %q", cmd, tc.problem)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error is a %T, not a *UsageError: %v", err, err)
			}
			if !strings.Contains(ue.Problem, tc.problem) {
				t.Errorf("problem %q does not state %q", ue.Problem, tc.problem)
			}
			if want := ue.Problem + "\n\n" + Usage; err.Error() != want {
				t.Errorf("Error() is not the problem followed by the usage:\n%s", err.Error())
			}
		})
	}
}

func TestUsageNamesEveryCommandFlagAndArgument(t *testing.T) {
	for _, n := range names {
		if !strings.Contains(Usage, "`paved "+string(n)+"`") {
			t.Errorf("usage does not describe paved %s", n)
		}
	}
	for _, f := range flags {
		if !strings.Contains(Usage, "`"+f.spelling+" ") {
			t.Errorf("usage does not describe flag %s", f.spelling)
		}
	}
	for _, a := range allowedArgs {
		if !strings.Contains(Usage, "`"+a+"`") {
			t.Errorf("usage does not list terraform argument %s", a)
		}
	}
	if !strings.Contains(Usage, "Example: `paved plan") {
		t.Error("usage has no example")
	}
}

func TestUsageExampleParses(t *testing.T) {
	_, example, _ := strings.Cut(Usage, "Example: `")
	example, _, _ = strings.Cut(example, "`")
	cmd, err := Parse(example)
	if err != nil || cmd == nil {
		t.Fatalf("Parse(%q) = %v, %v", example, cmd, err)
	}
}

func TestCheckVarFiles(t *testing.T) {
	for _, tc := range []struct {
		dir      string
		files    []string
		problems []string
	}{
		{"infra/app", []string{"prod.tfvars", "../shared/common.tfvars", "../../top.tfvars"}, nil},
		{".", []string{"vars/prod.tfvars"}, nil},
		{"infra/app", []string{"../../../etc/passwd"}, []string{"`-var-file=../../../etc/passwd` is outside the repository when read from the project directory `infra/app`"}},
		{".", []string{"../x.tfvars", "ok.tfvars", "/etc/passwd"}, []string{
			"`-var-file=../x.tfvars` is outside the repository",
			"`-var-file=/etc/passwd` is absolute",
		}},
	} {
		err := PlanOptions{VarFiles: tc.files}.CheckVarFiles(tc.dir)
		if len(tc.problems) == 0 {
			if err != nil {
				t.Errorf("CheckVarFiles(%s, %q): %v", tc.dir, tc.files, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckVarFiles(%s, %q) = nil, want %q", tc.dir, tc.files, tc.problems)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(tc.problems) {
			t.Errorf("CheckVarFiles(%s, %q) = %q, want %d problems", tc.dir, tc.files, err, len(tc.problems))
			continue
		}
		for i, p := range tc.problems {
			if !strings.Contains(lines[i], p) {
				t.Errorf("problem %d is %q, want it to contain %q", i, lines[i], p)
			}
		}
	}
}

func TestQuote(t *testing.T) {
	for word, want := range map[string]string{
		"plan":                     "`plan`",
		"@org/team":                "`@org/team`",
		"`id`":                     "`` `id` ``",
		"a``b":                     "```a``b```",
		"a\x00b\x1b[2J":            "`a\\x00b\\x1b[2J`",
		"\u202egnp.exe":            "`\\u202egnp.exe`",
		"bad\xffbyte":              "`bad\\xffbyte`",
		"héllo":                    "`héllo`",
		strings.Repeat("a", 40):    "`" + strings.Repeat("a", 40) + "`",
		strings.Repeat("é", 41):    "`" + strings.Repeat("é", 40) + "…`",
		strings.Repeat("a", 1<<20): "`" + strings.Repeat("a", 40) + "…`",
		strings.Repeat("`", 45):    strings.Repeat("`", 41) + " " + strings.Repeat("`", 40) + "… " + strings.Repeat("`", 41),
	} {
		if got := quote(word); got != want {
			t.Errorf("quote(%.50q) = %q, want %q", word, got, want)
		}
	}
}

// outsideCode is s without its markdown code spans, which GitHub renders
// as they are written: no mentions, no links.
func outsideCode(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
		fence, rest := s[i:i+n], s[i+n:]
		// A span closes at the next run of exactly as many backticks.
		end := -1
		for j := 0; j < len(rest); {
			k := strings.Index(rest[j:], fence)
			if k < 0 {
				break
			}
			k += j
			m := len(rest[k:]) - len(strings.TrimLeft(rest[k:], "`"))
			if m == n {
				end = k
				break
			}
			j = k + m
		}
		if end < 0 {
			b.WriteString(fence) // an unclosed run is literal text
			s = rest
			continue
		}
		s = rest[end+n:]
	}
	return b.String()
}

func TestRepliesNotifyNoOneAndStayShort(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	for _, comment := range []string{
		"paved @org/team",
		"paved plan @alice",
		"paved plan -@alice",
		"paved plan -p @alice",
		"paved plan -d /@alice",
		"paved plan -w @org/team",
		"paved plan --rev @alice",
		"paved history -n @alice",
		"paved plan -p `@alice`",
		"paved plan -p ``@alice``",
		"paved plan -p @alice;",
		"paved plan -- @alice",
		"paved plan -- -@alice",
		"paved plan -- -var=@alice",
		"paved plan -- -var-file=/@alice",
		"paved plan -- -refresh=@alice",
		"paved plan -- -parallelism=@alice",
		"paved plan -- -lock-timeout=@alice",
		"paved plan -- -target=a #1 @alice",
		"paved " + long,
		"paved plan " + long,
		"paved plan -p " + long,
		"paved plan -- -" + long,
		"paved plan -- -var=" + long,
		"paved plan -p " + long + ";",
	} {
		_, err := Parse(comment)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Parse(%.60q) = %v, want a usage error", comment, err)
			continue
		}
		if rest := outsideCode(ue.Problem); strings.Contains(rest, "@") || strings.Contains(rest, "#1") {
			t.Errorf("Parse(%.60q): the reply repeats a mention or reference outside code: %q", comment, ue.Problem)
		}
		if len(ue.Problem) > 400 {
			t.Errorf("Parse(%.60q): a %d-byte problem: %.200q…", comment, len(ue.Problem), ue.Problem)
		}
	}

	err := PlanOptions{VarFiles: []string{"../../../../@alice/" + long}}.CheckVarFiles("infra/@org/team")
	if err == nil || strings.Contains(outsideCode(err.Error()), "@") || len(err.Error()) > 400 {
		t.Errorf("CheckVarFiles: %.200v", err)
	}
}

func TestParseBoundsTheWords(t *testing.T) {
	many := strings.Repeat(" -target=a.b", 100000)
	start := time.Now()
	_, err := Parse("paved plan --" + many)
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(ue.Problem, "longer than 100 words") {
		t.Fatalf("Parse of 100k words: %v, want a refusal naming the limit", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing 100k words took %v", d)
	}
	if cmd, err := Parse("looks good" + many); cmd != nil || err != nil {
		t.Errorf("a long comment not for paved: %+v, %v", cmd, err)
	}
	// Up to the limit is fine; the words of later lines do not count.
	words := "paved plan --" + strings.Repeat(" -target=a.b", 97)
	if _, err := Parse(words + "\n" + many); err != nil {
		t.Errorf("Parse of %d words: %v", maxWords, err)
	}
	if _, err := Parse(words + " -destroy"); err == nil {
		t.Errorf("Parse of %d words succeeded", maxWords+1)
	}
}
