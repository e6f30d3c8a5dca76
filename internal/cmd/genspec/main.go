// Command genspec writes openapi.json, the OpenAPI 3.1 description of the
// Capsule v2 API, from the SDK's source. The root package's spec.go runs it
// on go generate ./...
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/capsulecrm-go/capsule/internal/genspec"
)

func main() {
	out := flag.String("o", "openapi.json", "file to write")
	dir := flag.String("dir", ".", "directory of the SDK's root package")
	flag.Parse()
	if err := genspec.WriteFile(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genspec:", err)
		os.Exit(1)
	}
}
