package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The pull request's projects are small on purpose: the benchmark is about
// what surrounds terraform, not about terraform. Each still initialises like
// a real one: it requires a provider, installed from the mirror and checked
// against a committed lock file, and keeps its state outside the working
// copy, as a remote backend would. The provider needs no configuration while
// no resource of its own is used, but terraform starts it to read its schema.

func projectName(i int) string { return fmt.Sprintf("p%02d", i) }

// terraformBlock is how every project starts; statePath "" leaves out the
// backend.
func terraformBlock(statePath string) string {
	backend := ""
	if statePath != "" {
		backend = fmt.Sprintf("  backend \"local\" {\n    path = %q\n  }\n", statePath)
	}
	return `terraform {
  required_providers {
    paved = {
      source  = "hashicorp/paved"
      version = "` + providerVersion + `"
    }
  }
` + backend + "}\n"
}

// projectFiles are the files of projects 1 to n, with their state in
// stateDir.
func projectFiles(n int, stateDir, lockFile string) map[string]string {
	files := map[string]string{}
	for i := 1; i <= n; i++ {
		name := projectName(i)
		files[name+"/main.tf"] = terraformBlock(filepath.Join(stateDir, name+".tfstate")) + `
resource "terraform_data" "network" {
  input = {
    project = "` + name + `"
    cidr    = "10.` + fmt.Sprint(i) + `.0.0/16"
  }
}

resource "terraform_data" "service" {
  count = 3
  input = {
    name    = "` + name + `-service-${count.index}"
    network = terraform_data.network.output.cidr
  }
}

output "services" {
  value = terraform_data.service[*].output
}
`
		files[name+"/.terraform.lock.hcl"] = lockFile
	}
	return files
}

// pavedYAML declares projects 1 to n, each in its own directory.
func pavedYAML(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nprojects:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - name: %s\n    dir: %s\n", projectName(i), projectName(i))
	}
	return b.String()
}
