// Package columns names the columns that the capsule tool's mirror, export and
// import share (DESIGN.md §7): snake_case JSON keys, and a column per custom
// field definition. The mirror writes these names and the import reads them,
// so an exported file or a mirror table can be edited and imported back.
package columns

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/capsulecrm-go/capsule"
)

// CustomPrefix starts the name of every custom field column.
const CustomPrefix = "custom_"

// SnakeCase turns a JSON key or a field name into a column name:
// "firstName" is "first_name", "Contract Value (£)" is "contract_value".
// Letters are lower-cased, every run of other characters becomes one
// underscore, and underscores at either end are dropped.
func SnakeCase(s string) string {
	var b strings.Builder
	pendingSep := false
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				pendingSep = true
			}
			if pendingSep && b.Len() > 0 {
				b.WriteByte('_')
			}
			pendingSep = false
			b.WriteRune(unicode.ToLower(r))
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			pendingSep = true
			prevLower = false
		}
	}
	return b.String()
}

// Custom returns the column name of each custom field definition, keyed by
// definition id: "custom_" + SnakeCase(name). When two definitions give the
// same name, or a name is empty, each of them gets "_<definition id>"
// appended, so the names are unique and do not depend on the order of defs.
func Custom(defs []*capsule.FieldDefinition) map[int64]string {
	count := make(map[string]int, len(defs))
	for _, d := range defs {
		count[SnakeCase(d.Name)]++
	}
	names := make(map[int64]string, len(defs))
	for _, d := range defs {
		base := SnakeCase(d.Name)
		name := CustomPrefix + base
		if base == "" || count[base] > 1 {
			name += "_" + strconv.FormatInt(d.ID, 10)
			name = strings.Replace(name, "__", "_", 1)
		}
		names[d.ID] = name
	}
	return names
}

// SortedCustom returns the names of Custom(defs) in the order of the
// definitions' ids, the order in which the mirror adds their columns.
func SortedCustom(defs []*capsule.FieldDefinition) []string {
	names := Custom(defs)
	ids := make([]int64, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names[id]
	}
	return out
}
