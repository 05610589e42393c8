package command

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PlanOptions is the allow-listed subset of terraform plan flags a comment may pass.
type PlanOptions struct {
	Targets, Replaces, Vars, VarFiles []string // -target=ADDR -replace=ADDR -var=NAME=VALUE -var-file=PATH
	Refresh                           *bool    // -refresh=true|false; nil when not given
	RefreshOnly, Destroy              bool
	Parallelism                       int    // 0 when not given
	LockTimeout                       string // Go duration syntax, as written; "" when not given
}

// refusedArgs are terraform flags that comments are often tempted to pass,
// with the reason each is refused.
var refusedArgs = map[string]string{
	"chdir":      "it would run terraform outside the project",
	"state":      "it would write state somewhere other than the backend",
	"state-out":  "it would write state somewhere other than the backend",
	"backup":     "it would write state somewhere other than the backend",
	"plugin-dir": "it would load unvetted provider plugins",
	"out":        "paved chooses the plan file, so that apply uses exactly the plan it showed",
	"lock":       "state locking cannot be disabled",
	"input":      "paved never prompts for input; give every variable with -var or -var-file",
}

// allowedArgs lists the accepted terraform arguments as the usage text shows them.
var allowedArgs = []string{
	"-target=ADDR", "-replace=ADDR", "-var=NAME=VALUE", "-var-file=PATH", "-refresh=true|false",
	"-refresh-only", "-destroy", "-parallelism=N", "-lock-timeout=DURATION",
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// parsePlanOptions reads the terraform arguments that follow `--`.
func parsePlanOptions(args []string) (PlanOptions, error) {
	var o PlanOptions
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, ok := strings.CutPrefix(arg, "-")
		if !ok {
			return o, usageErrorf("unexpected terraform argument %s: arguments after `--` must be flags such as -target=ADDR.", quote(arg))
		}
		name = strings.TrimPrefix(name, "-")
		name, value, hasValue := strings.Cut(name, "=")
		flag := "-" + name
		if reason, refused := refusedArgs[name]; refused {
			return o, usageErrorf("terraform argument %s is not allowed: %s.", flag, reason)
		}
		kind, known := argKinds[name]
		if !known {
			return o, usageErrorf("terraform argument %s is not allowed%s; allowed are %s.",
				quote(flag), didYouMean(flag, argSpellings()), strings.Join(allowedArgs, " "))
		}
		if !kind.repeatable && seen[name] {
			return o, usageErrorf("terraform argument %s is given twice.", flag)
		}
		seen[name] = true
		if kind.takesValue && !hasValue {
			if i+1 == len(args) || strings.HasPrefix(args[i+1], "-") {
				return o, usageErrorf("terraform argument %s needs a value, as in %s.", flag, kind.example)
			}
			i++
			value, hasValue = args[i], true
		}
		if !kind.takesValue && hasValue {
			return o, usageErrorf("terraform argument %s takes no value.", flag)
		}
		if err := o.set(name, value); err != nil {
			return o, usageErrorf("terraform argument %s: %v", flag, err)
		}
	}
	if o.Destroy && o.RefreshOnly {
		return o, usageErrorf("terraform arguments -destroy and -refresh-only cannot be used together.")
	}
	return o, nil
}

type argKind struct {
	takesValue, repeatable bool
	example                string
}

var argKinds = map[string]argKind{
	"target":       {takesValue: true, repeatable: true, example: "-target=terraform_data.web"},
	"replace":      {takesValue: true, repeatable: true, example: "-replace=terraform_data.web"},
	"var":          {takesValue: true, repeatable: true, example: "-var=replicas=3"},
	"var-file":     {takesValue: true, repeatable: true, example: "-var-file=prod.tfvars"},
	"refresh":      {takesValue: true, example: "-refresh=false"},
	"refresh-only": {},
	"destroy":      {},
	"parallelism":  {takesValue: true, example: "-parallelism=4"},
	"lock-timeout": {takesValue: true, example: "-lock-timeout=5m"},
}

func argSpellings() []string {
	out := make([]string, 0, len(argKinds))
	for name := range argKinds {
		out = append(out, "-"+name)
	}
	slices.Sort(out)
	return out
}

// set checks the value of the allowed argument name and records it.
func (o *PlanOptions) set(name, value string) error {
	switch name {
	case "target", "replace":
		if value == "" {
			return errors.New("the resource address must not be empty")
		}
		if name == "target" {
			o.Targets = append(o.Targets, value)
		} else {
			o.Replaces = append(o.Replaces, value)
		}
	case "var":
		if n, _, ok := strings.Cut(value, "="); !ok || !varName.MatchString(n) {
			return fmt.Errorf("%s is not NAME=VALUE with NAME a variable name", quote(value))
		}
		o.Vars = append(o.Vars, value)
	case "var-file":
		switch {
		case value == "":
			return errors.New("the file name must not be empty")
		case path.IsAbs(value):
			return fmt.Errorf("%s is absolute; give the file relative to the project directory", quote(value))
		}
		o.VarFiles = append(o.VarFiles, value)
	case "refresh":
		if value != "true" && value != "false" {
			return fmt.Errorf("%s is not true or false", quote(value))
		}
		b := value == "true"
		o.Refresh = &b
	case "refresh-only":
		o.RefreshOnly = true
	case "destroy":
		o.Destroy = true
	case "parallelism":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("%s is not a number from 1 to 256", quote(value))
		}
		o.Parallelism = n
	case "lock-timeout":
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return fmt.Errorf("%s is not a duration such as 30s or 5m", quote(value))
		}
		o.LockTimeout = value
	}
	return nil
}

// CheckVarFiles reports var files that would leave the repository when resolved from projectDir
// (a repo-relative dir): absolute paths, or paths that after joining and cleaning start with "..".
func (o PlanOptions) CheckVarFiles(projectDir string) error {
	var errs []error
	for _, f := range o.VarFiles {
		switch {
		case path.IsAbs(f):
			errs = append(errs, fmt.Errorf("%s is absolute; give it relative to the project directory %s", quote("-var-file="+f), quote(projectDir)))
		case leavesRoot(path.Join(projectDir, f)):
			errs = append(errs, fmt.Errorf("%s is outside the repository when read from the project directory %s", quote("-var-file="+f), quote(projectDir)))
		}
	}
	return errors.Join(errs...)
}
