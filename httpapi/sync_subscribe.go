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
	ReadBufferSize:  1024,
	WriteBufferSize: 64 << 10,
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
		// The reader notices the client going away (and answers pings).
		go func() {
			defer cancel()
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					return
				}
			}
		}()
		ping := time.NewTicker(firehosePing)
		defer ping.Stop()
		frames := make(chan pdssync.Frame)
		errc := make(chan error, 1)
		go func() {
			for {
				f, err := sub.Next(ctx)
				if err != nil {
					errc <- err
					return
				}
				select {
				case frames <- f:
				case <-ctx.Done():
					errc <- ctx.Err()
					return
				}
			}
		}()
		for {
			select {
			case f := <-frames:
				conn.SetWriteDeadline(time.Now().Add(firehoseWriteWait))
				if err := conn.WriteMessage(websocket.BinaryMessage, f.Data); err != nil {
					return
				}
			case <-ping.C:
				if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(firehoseWriteWait)); err != nil {
					return
				}
			case err := <-errc:
				switch {
				case errors.Is(err, pdssync.ErrConsumerTooSlow):
					sendClose(conn, pdssync.ErrorFrame("ConsumerTooSlow", "Stream consumer too slow"))
				case errors.Is(err, pdssync.ErrClosed):
					conn.WriteControl(websocket.CloseMessage,
						websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"),
						time.Now().Add(time.Second))
				}
				return
			}
		}
	})
}

// sendClose writes an error frame and closes the connection normally.
func sendClose(conn *websocket.Conn, frame []byte) {
	conn.SetWriteDeadline(time.Now().Add(firehoseWriteWait))
	if conn.WriteMessage(websocket.BinaryMessage, frame) == nil {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
			time.Now().Add(time.Second))
	}
}
