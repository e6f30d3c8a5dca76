// Command genspec writes openapi.json, the OpenAPI 3.1 description of the
// Capsule v2 API, from the SDK's source. The root package's spec.go runs it
// on go generate ./...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/capsulecrm-go/capsule/internal/genspec"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// run is main without the process: it returns the exit status.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("genspec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "openapi.json", "file to write")
	dir := fs.String("dir", ".", "directory of the SDK's root package")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := genspec.WriteFile(*dir, *out); err != nil {
		fmt.Fprintln(stderr, "genspec:", err)
		return 1
	}
	return 0
}
