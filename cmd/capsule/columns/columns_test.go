package columns

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/capsulecrm-go/capsule"
)

func TestSnakeCase(t *testing.T) {
	cases := map[string]string{
		"firstName":          "first_name",
		"jobTitle":           "job_title",
		"createdAt":          "created_at",
		"Contract Value (£)": "contract_value",
		"  Renewal date  ":   "renewal_date",
		"VIP":                "vip",
		"NPS score 2024":     "nps_score_2024",
		"already_snake":      "already_snake",
		"Größe":              "größe",
		"???":                "",
	}
	for in, want := range cases {
		assert.Equal(t, want, SnakeCase(in), "SnakeCase(%q)", in)
	}
}

func TestCustomNamesAndCollisions(t *testing.T) {
	defs := []*capsule.FieldDefinition{
		{ID: 30, Name: "Renewal Date"},
		{ID: 10, Name: "renewal date"},
		{ID: 20, Name: "Score"},
		{ID: 40, Name: "!!"},
	}
	got := Custom(defs)
	assert.Equal(t, map[int64]string{
		30: "custom_renewal_date_30",
		10: "custom_renewal_date_10",
		20: "custom_score",
		40: "custom_40",
	}, got)
	assert.Equal(t, []string{"custom_renewal_date_10", "custom_score", "custom_renewal_date_30", "custom_40"}, SortedCustom(defs))
}
