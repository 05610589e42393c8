package githubfake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"testing"

	"github.com/paved-road/paved/internal/prism"
)

// checkSchemaJS validates the JSON values of a list on stdin against one
// schema of GitHub's description with the ajv Prism uses. Prism's ajv
// refuses to compile a schema where OpenAPI's nullable stands beside oneOf
// with no type (commit-comparison's commits have such authors), and Prism
// then lets the response through unchecked; the script reads such a
// nullable as GitHub means it, "or null".
const checkSchemaJS = `
const [modules, spec, name] = process.argv.slice(1);
const Ajv = require(modules + "/ajv").default;
const addFormats = require(modules + "/ajv-formats").default;
const {components} = JSON.parse(require("fs").readFileSync(spec, "utf8"));
const orNull = v => {
  if (!v || typeof v !== "object") return;
  Object.values(v).forEach(orNull);
  if (v.nullable === true && !("type" in v)) {
    delete v.nullable;
    const rest = {...v};
    Object.keys(v).forEach(k => delete v[k]);
    v.anyOf = [rest, {type: "null"}];
  }
};
orNull(components);
const ajv = new Ajv({allErrors: true, allowUnionTypes: true, strict: false});
addFormats(ajv);
ajv.addSchema({components}, "github");
const validate = ajv.compile({$ref: "github#/components/schemas/" + name});
let bad = false;
JSON.parse(require("fs").readFileSync(0, "utf8")).forEach((v, i) => {
  if (!validate(v)) {
    bad = true;
    validate.errors.forEach(e => console.log("value " + i + " at " + (e.instancePath || "/") + ": " + e.message));
  }
});
process.exit(bad ? 1 : 0);
`

// checkSchema fails the test unless every body matches schema, for the
// responses Prism cannot judge (see checkSchemaJS).
func checkSchema(t *testing.T, schema string, bodies ...json.RawMessage) {
	t.Helper()
	in, err := json.Marshal(bodies)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "-e", checkSchemaJS, prism.NodeModules(), prism.SpecPath(), schema)
	cmd.Stdin = bytes.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s schema: %v\n%s", schema, err, out)
	}
}

// getRaw reads an API path through Prism as the static token's client.
func getRaw(t *testing.T, path string) json.RawMessage {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, gateway.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", path, resp.Status, err, body)
	}
	return body
}
