package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	pdssync "github.com/boltsky/boltsky/sync"
)

// Firehose connection timing.
const (
	// firehoseWriteWait bounds writing one frame to a subscriber.
	firehoseWriteWait = 30 * time.Second
	// firehosePing is how often an idle connection is pinged.
	firehosePing = 30 * time.Second
)

var firehoseUpgrader = websocket.FastHTTPUpgrader{
	ReadBufferSize: 1024,
	// Frames bypass the connection's writer (see streamFrames); it sends
	// only control messages and error frames.
	WriteBufferSize: 4 << 10,
	CheckOrigin:     func(*fasthttp.RequestCtx) bool { return true },
}

// subscribeRepos upgrades to a websocket and streams the firehose from
// the requested cursor.
func (s *Server) subscribeRepos(c *call) error {
	if !websocket.FastHTTPIsWebSocketUpgrade(c.rc) {
		return xerr(http.StatusUpgradeRequired, "InvalidRequest", "Upgrade Required")
	}
	var cursor *uint64
	if v, ok := c.params.Int("cursor"); ok {
		if v < 0 {
			return invalidRequest("cursor must not be negative")
		}
		u := uint64(v)
		cursor = &u
	}
	seq, log := s.d.Sequencer, s.log
	return firehoseUpgrader.Upgrade(c.rc, func(conn *websocket.Conn) {
		defer conn.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sub, err := seq.Subscribe(ctx, cursor)
		if errors.Is(err, pdssync.ErrFutureCursor) {
			sendClose(conn, pdssync.ErrorFrame("FutureCursor", "Cursor in the future."))
			return
		}
		if err != nil {
			log.Error("cannot start firehose subscription", "err", err)
			sendClose(conn, pdssync.ErrorFrame("InternalServerError", "Internal Server Error"))
			return
		}
		defer sub.Close()
		s.streamFrames(ctx, cancel, conn, sub)
	})
}

// controlMessage is a control frame the reader asks the writer to send.
type controlMessage struct {
	kind int
	data []byte
}

// streamFrames writes sub's frames to conn until either ends. Only this
// goroutine writes to conn: frames go to the connection directly, in
// batches, so the reader hands the answers to pings and closes over.
func (s *Server) streamFrames(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, sub *pdssync.Subscription) {
	control := make(chan controlMessage, 4)
	ask := func(m controlMessage) {
		select {
		case control <- m:
		default: // a client flooding pings gets some of them answered
		}
	}
	conn.SetPingHandler(func(data string) error {
		ask(controlMessage{kind: websocket.PongMessage, data: []byte(data)})
		return nil
	})
	conn.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		ask(controlMessage{kind: websocket.CloseMessage, data: websocket.FormatCloseMessage(code, "")})
		return nil
	})
	// The reader notices the client going away.
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	// However the stream ends, a close the client sent is answered.
	sentClose := false
	defer func() {
		select {
		case m := <-control:
			if m.kind == websocket.CloseMessage && !sentClose {
				conn.WriteControl(m.kind, m.data, time.Now().Add(time.Second))
			}
		default:
		}
	}()
	ping := time.NewTicker(firehosePing)
	defer ping.Stop()
	raw := conn.UnderlyingConn()
	frames := sub.Frames()
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				sentClose = endSubscription(conn, sub.Err())
				return
			}
			buf, ended := gatherFrames(s.batches.get(), f, frames)
			raw.SetWriteDeadline(time.Now().Add(firehoseWriteWait))
			_, err := raw.Write(buf)
			s.batches.put(buf)
			if err != nil {
				return
			}
			if ended {
				sentClose = endSubscription(conn, sub.Err())
				return
			}
		case m := <-control:
			err := conn.WriteControl(m.kind, m.data, time.Now().Add(firehoseWriteWait))
			if err != nil || m.kind == websocket.CloseMessage {
				sentClose = true
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(firehoseWriteWait)); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// endSubscription tells the client why the server ended its
// subscription, and reports whether it sent a close.
func endSubscription(conn *websocket.Conn, err error) bool {
	switch {
	case errors.Is(err, pdssync.ErrConsumerTooSlow):
		sendClose(conn, pdssync.ErrorFrame("ConsumerTooSlow", "Stream consumer too slow"))
		return true
	case errors.Is(err, pdssync.ErrClosed):
		conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"),
			time.Now().Add(time.Second))
		return true
	}
	return false
}

// sendClose writes an error frame and closes the connection normally.
func sendClose(conn *websocket.Conn, frame []byte) {
	conn.SetWriteDeadline(time.Now().Add(firehoseWriteWait))
	if conn.WriteMessage(websocket.BinaryMessage, frame) == nil {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
			time.Now().Add(time.Second))
	}
}
