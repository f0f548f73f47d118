// HTTP adapters: an EventSink that is a running server.
export { RemoteSink } from './remote-sink.js';
