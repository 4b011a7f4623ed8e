package handoff

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// maxSinglePut is S3's limit for one PUT. Every object goes up in one PUT
// so that the store checks, and gives back, the SHA-256 of the whole
// object (a multipart upload only has a checksum of its parts'
// checksums). A meeting's largest file, its mix, is far smaller.
const maxSinglePut = 5 << 30

// minRate is the slowest upload tolerated before an object is given up on
// (and retried): a store that stops answering must not hold the hand-off
// for ever.
const minRate = 32 << 10 // bytes a second

// shaMeta is the user metadata (x-amz-meta-sha256) that repeats the hex
// SHA-256 for people and tools that do not ask the store for checksums.
const shaMeta = "Sha256"

// S3Result counts what an upload did.
type S3Result struct {
	// Uploaded objects were sent and verified; Skipped ones were in the
	// bucket already, verified (an earlier hand-off, cut short).
	Uploaded, Skipped int
	// Bytes sent in objects that were verified.
	Bytes int64
	// Passes over the folder: more than one when the store failed and was
	// tried again.
	Passes int
}

// Progress is told how far an object's upload has come.
type Progress func(key string, sent, total int64)

type uploader struct {
	client   *minio.Client
	tr       *http.Transport
	cfg      meeting.S3
	log      *slog.Logger
	progress Progress
}

func newUploader(cfg meeting.S3, log *slog.Logger, progress Progress) (*uploader, error) {
	host, secure := cfg.S3Endpoint()
	secret, ok := cfg.SecretKey.Secret()
	if !ok {
		return nil, fmt.Errorf("s3: the secret key is not known (give {env: NAME})")
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConnsPerHost:   4,
	}
	client, err := minio.New(host, &minio.Options{
		Creds:           credentials.NewStaticV4(cfg.AccessKey, secret, ""),
		Secure:          secure,
		Region:          cfg.Region,
		Transport:       tr,
		TrailingHeaders: true,
		// A pass retries an object a few times by itself; beyond that the
		// hand-off's own backoff takes over.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 %s: %w", host, err)
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	return &uploader{client: client, tr: tr, cfg: cfg, log: log, progress: progress}, nil
}

// key is where a folder's file goes in the bucket.
func (u *uploader) key(f *Folder, file File) string {
	return u.cfg.Prefix + f.ID + "/" + file.Path
}

// upload copies the folder into the bucket, pass after pass until every
// object is there and verified or the attempts are spent. Objects already
// there with the right checksum are not sent again, so a hand-off cut
// short by a crash or a store that went away resumes where it stopped. It
// never deletes or changes a local file.
func (u *uploader) upload(ctx context.Context, f *Folder, retry Retry) (S3Result, error) {
	// Nothing is left connected to the store once the hand-off is over.
	defer u.tr.CloseIdleConnections()
	retry = retry.withDefaults()
	var res S3Result
	for pass := 1; ; pass++ {
		res.Passes = pass
		err := u.pass(ctx, f, &res)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, ErrChecksum) || errors.Is(err, errNoBucket) || pass >= retry.Attempts || ctx.Err() != nil {
			return res, fmt.Errorf("%s: %w", u.cfg, err)
		}
		wait := retry.wait(pass)
		u.log.Warn("s3 upload failed; trying again", "bucket", u.cfg.Bucket, "pass", pass, "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res, fmt.Errorf("%s: stopped: %w", u.cfg, ctx.Err())
		}
	}
}

var errNoBucket = errors.New("no such bucket")

// pass sends every object not yet verified in the bucket.
func (u *uploader) pass(ctx context.Context, f *Folder, res *S3Result) error {
	ok, err := u.client.BucketExists(ctx, u.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", u.cfg.Bucket, err)
	}
	if !ok {
		return fmt.Errorf("bucket %s: %w: create it, or correct recording.on_finished.s3.bucket", u.cfg.Bucket, errNoBucket)
	}
	for _, file := range f.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := u.key(f, file)
		if there, err := u.verified(ctx, key, file); err == nil && there {
			res.Skipped++
			continue
		}
		if err := u.put(ctx, f, file, key); err != nil {
			return err
		}
		there, err := u.verified(ctx, key, file)
		if err != nil {
			return fmt.Errorf("%s: verify: %w", key, err)
		}
		if !there {
			return fmt.Errorf("%s: %w: the store does not hold what was sent", key, ErrChecksum)
		}
		res.Uploaded++
		res.Bytes += file.Bytes
	}
	return nil
}

// verified reports whether the bucket holds file at key: its size, and
// the SHA-256 the store computed (or, from a store that computes none,
// the one samvad stored beside it).
func (u *uploader) verified(ctx context.Context, key string, file File) (bool, error) {
	st, err := u.client.StatObject(ctx, u.cfg.Bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		if er := minio.ToErrorResponse(err); er.Code == "NoSuchKey" || er.StatusCode == http.StatusNotFound {
			return false, nil
		}
		return false, err
	}
	if st.Size != file.Bytes {
		return false, nil
	}
	if st.ChecksumSHA256 != "" {
		sum, err := base64.StdEncoding.DecodeString(st.ChecksumSHA256)
		return err == nil && hex.EncodeToString(sum) == file.SHA256, nil
	}
	return st.UserMetadata[shaMeta] == file.SHA256, nil
}

// put sends one object in one PUT with its SHA-256, which the store checks
// against what it receives.
func (u *uploader) put(ctx context.Context, f *Folder, file File, key string) error {
	if file.Bytes > maxSinglePut {
		return fmt.Errorf("%s: %d bytes, more than one PUT takes", file.Path, file.Bytes)
	}
	sum, err := hex.DecodeString(file.SHA256)
	if err != nil {
		return fmt.Errorf("%s: %w", file.Path, err)
	}
	r, err := f.Open(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file.Path, err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(file.Bytes/minRate)*time.Second)
	defer cancel()
	_, err = u.client.PutObject(ctx, u.cfg.Bucket, key, r, file.Bytes, minio.PutObjectOptions{
		ContentType:      recording.ContentType(file.Path),
		DisableMultipart: true,
		UserMetadata: map[string]string{
			"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum),
			shaMeta:                 file.SHA256,
		},
		Progress: &progressReader{key: key, total: file.Bytes, fn: u.progress},
	})
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w (slower than %d KiB/s)", key, ErrTimeout, minRate>>10)
		}
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// progressReader is minio-go's progress hook: it is "read" as many bytes
// as were sent.
type progressReader struct {
	key         string
	sent, total int64
	fn          Progress
}

func (p *progressReader) Read(b []byte) (int, error) {
	p.sent += int64(len(b))
	p.fn(p.key, p.sent, p.total)
	return len(b), nil
}

var _ io.Reader = (*progressReader)(nil)
