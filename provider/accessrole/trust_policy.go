package accessrole

import (
	"encoding/json"

	"github.com/paved-road/paved/provider/iamrole"
)

// trustPolicy builds the access role's trust policy: only the named hub
// principals may assume it, and only with MFA and a source identity when
// those are required. sts:SetSourceIdentity is granted beside
// sts:AssumeRole because AWS refuses a source identity the trust policy
// does not allow.
func trustPolicy(principals []string, requireMFA, requireSourceIdentity bool) string {
	conditions := map[string]map[string]string{}
	if requireMFA {
		conditions["Bool"] = map[string]string{"aws:MultiFactorAuthPresent": "true"}
	}
	if requireSourceIdentity {
		conditions["Null"] = map[string]string{"sts:SourceIdentity": "false"}
	}
	if len(conditions) == 0 {
		conditions = nil
	}
	doc := iamrole.Document{
		Version: "2012-10-17",
		Statement: []iamrole.Statement{{
			Sid:       "HubPrincipalsOnly",
			Effect:    "Allow",
			Principal: map[string]iamrole.StringList{"AWS": principals},
			Action:    iamrole.StringList{"sts:AssumeRole", "sts:SetSourceIdentity"},
			Condition: conditions,
		}},
	}
	b, _ := json.Marshal(doc) // a struct of strings always marshals
	return string(b)
}
