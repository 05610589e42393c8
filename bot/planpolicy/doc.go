// Package planpolicy checks Terraform plans against Rego policy sets,
// evaluated in process with OPA. The sets belong to the bot's server config,
// never to a pull request:
//
//	policy_sets:
//	  - name: production-safety
//	    paths: [policies/no-public-ingress, policies/team-tag]
//	    owners: [acme/platform-security]
//	    namespaces: [main]  # the default
//	    rego_version: v1    # the default; v0 for deny[msg] { ... }
//
// Evaluation follows conftest, so that a policy written for `conftest test`
// works unchanged: the input is `terraform show -json` of the saved plan;
// in each namespace, rules named deny, violation, deny_x or violation_x are
// failures and warn or warn_x warnings, each a set of strings or of objects
// whose msg is the message; a rule is skipped when
// data.<namespace>.exception[_][_] holds its name without its prefix ("x",
// or "" for deny itself); and successes are counted as conftest counts
// them. Besides the input, a policy may read data.paved.project: the repo,
// name, dir, workspace and team of the project planned. Unlike conftest,
// opa.runtime() holds no environment, which would show the bot's secrets.
//
// Where conftest would quietly pass, a gate must not, so these are errors:
// a set or namespace with no deny, violation or warn rule, a rule such as
// `deny[msg] if` that is an object rather than a set, a rule value that is
// not a set of messages, a builtin error (conftest ignores them by
// default), a timeout and a panic. Policies are parsed, compiled and their
// queries prepared once, at Load; an evaluation converts the plan once and
// runs the prepared queries.
package planpolicy
