package capsule

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Job is a long-running operation Capsule started for a request it
// answered with 202 Accepted (a delete, typically). The request's
// Response.JobID names it.
type Job struct {
	// ID is a UUID.
	ID     string    `json:"id"`
	Status JobStatus `json:"status"`
	// Progress is a percentage, 100 when the job is done.
	Progress int `json:"progress"`
	// Action says what the job does, e.g. "Deleting Tag".
	Action string `json:"action"`
}

// JobStatus is the state of a job. Capsule documents only "completed";
// Wait also stops at "failed".
type JobStatus string

// Final job states.
const (
	JobCompleted JobStatus = "completed"
	JobFailed    JobStatus = "failed"
)

// Done reports whether the job has finished, successfully or not.
func (j *Job) Done() bool {
	return j != nil && (strings.EqualFold(string(j.Status), string(JobCompleted)) || strings.EqualFold(string(j.Status), string(JobFailed)))
}

// ErrJobFailed is returned by JobsService.Wait when the job ends with
// status "failed".
var ErrJobFailed = errors.New("capsule: job failed")

// DefaultJobPollInterval is how often JobsService.Wait polls when its
// interval is zero.
const DefaultJobPollInterval = time.Second

// ReadSingle returns the job with the given id (from Response.JobID).
//
// Capsule API docs: https://developer.capsulecrm.com/v2/overview/handling-api-responses
// GET /jobs/{jobId}
func (s *JobsService) ReadSingle(ctx context.Context, id string) (*Job, *Response, error) {
	if err := checkSegment("id", id); err != nil {
		return nil, nil, err
	}
	job := new(Job)
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, path: "jobs/" + id, outKey: "job"}, job)
	if err != nil {
		return nil, resp, err
	}
	return job, resp, nil
}

// Wait polls the job with the given id every interval (DefaultJobPollInterval
// when zero) until its status is completed or failed, and returns it. A
// failed job is returned with ErrJobFailed. Wait stops with ctx's error when
// ctx ends first.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/overview/handling-api-responses
// GET /jobs/{jobId}
func (s *JobsService) Wait(ctx context.Context, id string, interval time.Duration) (*Job, *Response, error) {
	if interval < 0 {
		return nil, nil, invalidArg("interval", "must not be negative, got %s", interval)
	}
	if interval == 0 {
		interval = DefaultJobPollInterval
	}
	for {
		job, resp, err := s.ReadSingle(ctx, id)
		if err != nil {
			return nil, resp, err
		}
		if job.Done() {
			if strings.EqualFold(string(job.Status), string(JobFailed)) {
				return job, resp, ErrJobFailed
			}
			return job, resp, nil
		}
		if err := sleep(ctx, interval); err != nil {
			return job, resp, err
		}
	}
}
