// Command terraform-provider-paved serves the paved provider to Terraform and OpenTofu.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/paved-road/paved/provider"
)

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers such as delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		silenceUnseenLogs()
	}
	if err := tf6server.Serve("registry.terraform.io/paved-road/paved", provider.NewProtocol6Server(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}

// silenceUnseenLogs turns the SDK's logs off when Terraform (or OpenTofu)
// will not show them. Unless told otherwise the SDK logs every request at
// trace level, as JSON on stderr, and Terraform parses each line only to
// drop it when neither TF_LOG nor TF_LOG_PROVIDER is set: in a plan of 1,000
// paved_redis that was about a third of the CPU time Terraform and the
// provider spent together. Levels set explicitly are left alone.
func silenceUnseenLogs() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_PAVED"} {
		if os.Getenv(name) == "" {
			if err := os.Setenv(name, "off"); err != nil {
				log.Fatal(err.Error())
			}
		}
	}
}
