package capsuletest

import "fmt"

func init() {
	registerResource(func(f *fake) {
		f.handle("GET", "/jobs/{uuid}", func(c *call) *reply {
			job, found := c.f.jobs[c.param("uuid")]
			if !found {
				return notFound()
			}
			return ok("job", view(job))
		})
	})
}

// newJob records a completed job (for 202 + Location answers) and returns its uuid.
func (f *fake) newJob(action string) string {
	b := randomHex(16)
	id := fmt.Sprintf("%s-%s-%s-%s-%s", b[:8], b[8:12], b[12:16], b[16:20], b[20:])
	f.jobs[id] = record{"id": id, "status": "completed", "progress": 100, "action": action}
	return id
}
