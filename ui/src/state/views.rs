//! The views opened over the dashboard — a stream's live detail, a consumer, a stored message
//! stepped through by sequence, a live tail — and the burst under way, with what each takes from
//! the broker's answers and its own keys.

use std::collections::VecDeque;
use std::time::Instant;

use message_broker_model::stream::StoredMessageView;

use super::history::{Ring, Series};
use super::modes::PAGE;
use super::prompt::PromptKind;
use super::{App, Base, DetailSource, Overlay};
use crate::command::Command;
use crate::model::{Action, BurstProgress, Effect, MessageAt, RequestId, TailBatch, TailMessage};

/// Messages a tail keeps; older ones scroll away.
pub const TAIL_KEPT: usize = 1_000;
/// Samples of a tail's rate kept (one per batch).
const TAIL_RATE_HISTORY: usize = 120;

/// One stream's detail: read again every interval (and on `r`) while it is open.
#[derive(Debug, Clone)]
pub struct Detail {
    pub name: String,
    /// The last reading, its age, and why a newer one did not come.
    pub data: DetailSource,
    pub opened: Instant,
    pub scroll: usize,
}

impl Detail {
    pub fn new(name: String, now: Instant) -> Detail {
        Detail {
            name,
            data: DetailSource::default(),
            opened: now,
            scroll: 0,
        }
    }
}

/// One consumer's detail, from the consumers the streams sampler lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerDetail {
    pub stream: String,
    pub name: String,
}

/// A stored message of a stream, read without consuming it, stepped through by sequence.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub stream: String,
    /// The read in flight; steps wait for it.
    pub pending: Option<RequestId>,
    /// What was asked last.
    pub asked: MessageAt,
    pub message: Option<Box<StoredMessageView>>,
    /// Why the last read found nothing (`no message after 500`); the message shown stays.
    pub error: Option<String>,
    pub scroll: usize,
}

/// A live tail: a core subscription (no consumer, nothing acknowledged), its newest messages
/// kept in a bounded buffer.
#[derive(Debug, Clone)]
pub struct TailView {
    pub subject: String,
    pub request: RequestId,
    pub messages: Ring<TailMessage>,
    /// Arrived while paused; shown on resume (bounded too).
    held: VecDeque<TailMessage>,
    pub paused: bool,
    pub received: u64,
    /// Not kept: more than the buffer while paused, or faster than the console shows.
    pub skipped: u64,
    pub rate: Series,
    pub error: Option<String>,
    /// Lines scrolled back from the newest.
    pub scroll: usize,
}

impl TailView {
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

/// A burst of test messages, under way or finished.
#[derive(Debug, Clone)]
pub struct BurstView {
    pub subject: String,
    pub count: u64,
    pub rate: Option<f64>,
    pub request: RequestId,
    pub progress: BurstProgress,
    /// Cancel was pressed; the burst stops at its next message.
    pub cancelling: bool,
}

impl App {
    /// Opens `name`'s detail; the samplers read it at once and then every interval.
    pub(super) fn open_stream(&mut self, name: String) {
        if let Base::Detail(open) = self.base()
            && open.name == name
        {
            return;
        }
        let detail = Detail::new(name, self.now);
        self.push(Base::Detail(detail));
    }

    /// Opens the message viewer on `stream` at `at` (replacing one already open).
    pub(super) fn open_message(&mut self, stream: String, at: MessageAt) -> Vec<Effect> {
        let request = self.requests.start(Action::ReadMessage {
            stream: stream.clone(),
            at,
        });
        let view = MessageView {
            stream,
            pending: Some(request.id),
            asked: at,
            message: None,
            error: None,
            scroll: 0,
        };
        if matches!(self.base(), Base::Message(_)) {
            self.bases.pop();
        }
        self.push(Base::Message(view));
        vec![Effect::Request(request)]
    }

    pub(super) fn open_tail(&mut self, subject: String) -> Vec<Effect> {
        let mut effects = self.close_tail();
        let request = self.requests.start(Action::Tail {
            subject: subject.clone(),
        });
        self.push(Base::Tail(TailView {
            subject,
            request: request.id,
            messages: Ring::new(TAIL_KEPT),
            held: VecDeque::new(),
            paused: false,
            received: 0,
            skipped: 0,
            rate: Series::new(TAIL_RATE_HISTORY),
            error: None,
            scroll: 0,
        }));
        effects.push(Effect::Request(request));
        effects
    }

    /// A tail open on top is closed (its subscription cancelled) before another view replaces it.
    fn close_tail(&mut self) -> Vec<Effect> {
        match self.base() {
            Base::Tail(tail) => {
                let id = tail.request;
                self.bases.pop();
                vec![Effect::Cancel(id)]
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn start_burst(
        &mut self,
        subject: String,
        count: u64,
        rate: Option<f64>,
    ) -> Vec<Effect> {
        if let Some(Overlay::Burst(running)) = &self.overlay
            && !running.progress.finished
        {
            self.say("a burst is already running (Esc cancels it)", false);
            return Vec::new();
        }
        let request = self.requests.start(Action::Burst {
            subject: subject.clone(),
            count,
            rate,
        });
        self.overlay = Some(Overlay::Burst(BurstView {
            subject,
            count,
            rate,
            request: request.id,
            progress: BurstProgress::default(),
            cancelling: false,
        }));
        vec![Effect::Request(request)]
    }

    pub(super) fn answer_detail(
        &mut self,
        name: &str,
        result: Result<Box<crate::model::DetailData>, String>,
        at: Instant,
    ) {
        for base in &mut self.bases {
            if let Base::Detail(detail) = base
                && detail.name == name
            {
                detail.data.set(result.clone(), at);
            }
        }
    }

    pub(super) fn answer_message(
        &mut self,
        id: RequestId,
        result: Result<Box<StoredMessageView>, String>,
    ) {
        for base in &mut self.bases {
            if let Base::Message(view) = base
                && view.pending == Some(id)
            {
                view.pending = None;
                match result {
                    Ok(message) => {
                        view.message = Some(message);
                        view.error = None;
                        view.scroll = 0;
                    }
                    Err(error) => view.error = Some(error),
                }
                return;
            }
        }
    }

    pub(super) fn answer_tail(&mut self, id: RequestId, batch: TailBatch, at: Instant) {
        let origin = self.started;
        for base in &mut self.bases {
            let Base::Tail(tail) = base else { continue };
            if tail.request != id {
                continue;
            }
            tail.received = batch.received;
            tail.skipped += batch.skipped;
            tail.rate.record(batch.received, at, origin);
            if batch.error.is_some() {
                tail.error = batch.error;
            }
            for message in batch.messages {
                if tail.paused {
                    if tail.held.len() == TAIL_KEPT {
                        tail.held.pop_front();
                        tail.skipped += 1;
                    }
                    tail.held.push_back(message);
                } else {
                    tail.messages.push(message);
                    // Scrolled back, the lines being read stay put.
                    if tail.scroll > 0 {
                        tail.scroll = (tail.scroll + 1).min(TAIL_KEPT - 1);
                    }
                }
            }
            return;
        }
    }

    pub(super) fn answer_burst(&mut self, id: RequestId, progress: BurstProgress) {
        if let Some(Overlay::Burst(burst)) = &mut self.overlay
            && burst.request == id
        {
            burst.progress = progress;
        }
    }

    /// The message viewer's keys: step by sequence, jump, scroll the payload.
    pub(super) fn message_command(&mut self, command: Command) -> Vec<Effect> {
        let Base::Message(view) = self.base_mut() else {
            return Vec::new();
        };
        let seq = view.message.as_ref().map(|m| m.seq);
        let at = match (command, seq) {
            (Command::FirstMessage, _) => MessageAt::First,
            (Command::LastMessage, _) => MessageAt::Last,
            (Command::NextMessage, Some(seq)) => MessageAt::After(seq),
            (Command::PrevMessage, Some(seq)) => MessageAt::Before(seq),
            (Command::NextMessage | Command::PrevMessage, None) => MessageAt::Last,
            (Command::GoToMessage, _) => {
                self.open_prompt_with(PromptKind::CommandLine, "msg ");
                return Vec::new();
            }
            (Command::Up, _) => return scroll(&mut view.scroll, -1),
            (Command::Down, _) => return scroll(&mut view.scroll, 1),
            (Command::PageUp, _) => return scroll(&mut view.scroll, -PAGE),
            (Command::PageDown, _) => return scroll(&mut view.scroll, PAGE),
            (Command::Top, _) => return scroll(&mut view.scroll, isize::MIN / 2),
            (Command::Bottom, _) => return scroll(&mut view.scroll, isize::MAX / 2),
            _ => return self.view_command(command),
        };
        // One read at a time: a step pressed while one is in flight waits for nothing.
        if view.pending.is_some() {
            return Vec::new();
        }
        let stream = view.stream.clone();
        let request = self.requests.start(Action::ReadMessage { stream, at });
        if let Base::Message(view) = self.base_mut() {
            view.pending = Some(request.id);
            view.asked = at;
        }
        vec![Effect::Request(request)]
    }

    /// The tail's keys: pause and resume, scroll back.
    pub(super) fn tail_command(&mut self, command: Command) -> Vec<Effect> {
        let Base::Tail(tail) = self.base_mut() else {
            return Vec::new();
        };
        let delta = match command {
            Command::Pause => {
                tail.paused = !tail.paused;
                if !tail.paused {
                    while let Some(message) = tail.held.pop_front() {
                        tail.messages.push(message);
                    }
                }
                return Vec::new();
            }
            // Up is back in time: the newest line is at the bottom.
            Command::Up => 1,
            Command::Down => -1,
            Command::PageUp => PAGE,
            Command::PageDown => -PAGE,
            Command::Top => isize::MAX / 2,
            Command::Bottom => isize::MIN / 2,
            _ => return self.view_command(command),
        };
        let last = tail.messages.len().saturating_sub(1) as isize;
        tail.scroll = (tail.scroll as isize).saturating_add(delta).clamp(0, last) as usize;
        Vec::new()
    }

    /// The burst's keys: Esc cancels a burst under way, and closes a finished one.
    pub(super) fn burst_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Burst(burst)) = &mut self.overlay else {
            return Vec::new();
        };
        match command {
            Command::Back | Command::Cancel if burst.progress.finished => self.overlay = None,
            Command::Back | Command::Cancel if !burst.cancelling => {
                burst.cancelling = true;
                return vec![Effect::Cancel(burst.request)];
            }
            _ => {}
        }
        Vec::new()
    }
}

fn scroll(position: &mut usize, delta: isize) -> Vec<Effect> {
    // Bounded only to stay far from overflow; the view clamps to the content.
    *position = (*position as isize)
        .saturating_add(delta)
        .clamp(0, 1_000_000) as usize;
    Vec::new()
}
