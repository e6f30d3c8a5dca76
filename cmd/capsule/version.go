package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() { registerCommand(versionCommand) }

// sdkModule is the SDK's module path, to find its version in the build info.
const sdkModule = "github.com/capsulecrm-go/capsule"

// versionInfo is what version prints.
type versionInfo struct {
	Version    string `json:"version"`
	SDKVersion string `json:"sdkVersion"`
	Commit     string `json:"commit,omitempty"`
	Go         string `json:"go"`
}

// buildInfo reads the module versions from the binary; nil in a binary
// built without module support.
var buildInfo = debug.ReadBuildInfo

func currentVersion() versionInfo {
	v := versionInfo{Version: "(unknown)", SDKVersion: capsule.Version, Go: runtime.Version()}
	bi, ok := buildInfo()
	if !ok {
		return v
	}
	v.Version = bi.Main.Version
	for _, dep := range bi.Deps {
		if dep.Path == sdkModule && dep.Version != "" && dep.Version != "(devel)" && dep.Replace == nil {
			v.SDKVersion = dep.Version
		}
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v.Commit = s.Value
		}
	}
	return v
}

func versionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Show the version of capsule and of the SDK it was built with",
		Long:    "Show the module version from the binary's build info (\"(devel)\" for a build from a clone), the SDK's version, the commit when known, and the Go version.",
		Example: "  capsule version\n  capsule version --output json",
		Args:    exactArgs(),
		RunE: func(*cobra.Command, []string) error {
			v := currentVersion()
			if a.output == formatJSON || a.output == formatJSONL {
				b, err := marshal(v)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(a.stdout, "%s\n", b)
				return err
			}
			commit := ""
			if v.Commit != "" {
				commit = ", commit " + v.Commit
			}
			_, err := fmt.Fprintf(a.stdout, "capsule %s (SDK %s%s, %s)\n", v.Version, v.SDKVersion, commit, v.Go)
			return err
		},
	}
}
