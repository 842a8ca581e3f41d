use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn type_into(form: &mut Form, key: &str, text: &str) {
    let field = form.fields.iter_mut().find(|f| f.key == key).unwrap();
    field.input = Input::new(text.to_owned());
}

fn field<'a>(form: &'a Form, key: &str) -> &'a Field {
    form.fields.iter().find(|f| f.key == key).unwrap()
}

fn press(form: &mut Form, code: KeyCode, streams: &[StreamRow]) {
    form.handle(
        &Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        streams,
    );
}

fn stream(name: &str, subjects: &[&str]) -> StreamRow {
    StreamRow {
        name: name.into(),
        subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
        ..StreamRow::default()
    }
}

#[test]
fn a_valid_stream_form_becomes_a_spec_with_human_units() {
    let mut form = Form::create_stream();
    type_into(&mut form, "name", "orders");
    type_into(&mut form, "subjects", "orders.>, returns.*");
    type_into(&mut form, "max_msgs", "1M");
    type_into(&mut form, "max_bytes", "512MiB");
    type_into(&mut form, "max_msg_size", "1M");
    type_into(&mut form, "max_age", "24h");
    type_into(&mut form, "duplicate_window", "90s");
    type_into(&mut form, "storage", "memory");
    let Some(Action::CreateStream(spec)) = form.submit(&[]) else {
        panic!("form refused: {:?}", form.fields);
    };
    assert_eq!(spec.name, "orders");
    assert_eq!(spec.subjects.unwrap(), vec!["orders.>", "returns.*"]);
    assert_eq!(spec.max_msgs, Some(1_000_000));
    assert_eq!(spec.max_bytes, Some(512 << 20));
    assert_eq!(spec.max_msg_size, Some(1 << 20));
    assert_eq!(spec.max_age, Some(86_400.0));
    assert_eq!(spec.duplicate_window, Some(90.0));
    assert_eq!(spec.storage, Storage::Memory);
}

#[test]
fn choices_cycle_with_the_arrows_and_pick_by_letter() {
    let mut form = Form::create_stream();
    form.focus = form
        .fields
        .iter()
        .position(|f| f.key == "retention")
        .unwrap();
    press(&mut form, KeyCode::Right, &[]);
    assert_eq!(field(&form, "retention").value(), "interest");
    press(&mut form, KeyCode::Right, &[]);
    press(&mut form, KeyCode::Right, &[]);
    assert_eq!(field(&form, "retention").value(), "limits");
    press(&mut form, KeyCode::Left, &[]);
    assert_eq!(field(&form, "retention").value(), "workqueue");
    press(&mut form, KeyCode::Char('i'), &[]);
    assert_eq!(field(&form, "retention").value(), "interest");
    // Letters that start no choice, and backspace, change nothing: the field stays a choice.
    press(&mut form, KeyCode::Char('z'), &[]);
    press(&mut form, KeyCode::Backspace, &[]);
    assert_eq!(field(&form, "retention").value(), "interest");
}

#[test]
fn fields_are_checked_as_they_are_typed() {
    let streams = [
        stream("orders", &["orders.>"]),
        stream("audit", &["*.created"]),
    ];
    let mut form = Form::create_stream();
    // Nothing typed yet: no complaint.
    press(&mut form, KeyCode::Tab, &streams);
    assert!(form.fields.iter().all(|f| f.error.is_none()));
    for c in "bad.".chars() {
        press(&mut form, KeyCode::Char(c), &streams);
    }
    assert!(
        field(&form, "name")
            .error
            .as_deref()
            .unwrap()
            .contains("'.'")
    );
    press(&mut form, KeyCode::Backspace, &streams);
    assert_eq!(field(&form, "name").error, None);
    // Every overlapping stream is named.
    type_into(&mut form, "subjects", "orders.created");
    form.focus = 1;
    press(&mut form, KeyCode::End, &streams);
    let error = field(&form, "subjects").error.clone().unwrap();
    assert!(
        error.contains("'orders'") && error.contains("'audit'"),
        "{error}"
    );
    type_into(&mut form, "subjects", "billing.new");
    type_into(&mut form, "max_bytes", "1X");
    press(&mut form, KeyCode::End, &streams);
    assert_eq!(field(&form, "subjects").error, None);
    assert!(
        field(&form, "max_bytes")
            .error
            .as_deref()
            .unwrap()
            .contains("not a size")
    );
    // An existing name.
    type_into(&mut form, "name", "orders");
    type_into(&mut form, "max_bytes", "1M");
    press(&mut form, KeyCode::End, &streams);
    assert!(
        field(&form, "name")
            .error
            .as_deref()
            .unwrap()
            .contains("exists")
    );
}

#[test]
fn bad_values_are_shown_under_their_field_on_submit() {
    let mut form = Form::create_stream();
    type_into(&mut form, "name", "bad.name");
    assert!(form.submit(&[]).is_none());
    assert_eq!(form.fields[form.focus].key, "name");

    let mut form = Form::create_stream();
    type_into(&mut form, "name", "ok");
    type_into(&mut form, "max_bytes", "lots");
    type_into(&mut form, "max_age", "soon");
    assert!(form.submit(&[]).is_none());
    let errors: Vec<_> = form
        .fields
        .iter()
        .filter(|f| f.error.is_some())
        .map(|f| f.key)
        .collect();
    assert_eq!(errors, vec!["max_bytes", "max_age"]);
    assert_eq!(form.fields[form.focus].key, "max_bytes");

    let mut form = Form::create_stream();
    assert!(form.submit(&[]).is_none());
    assert_eq!(form.fields[form.focus].key, "name");

    let mut form = Form::create_stream();
    type_into(&mut form, "name", "ok");
    type_into(&mut form, "max_age", "10s");
    type_into(&mut form, "duplicate_window", "1m");
    assert!(form.submit(&[]).is_none());
    assert_eq!(form.fields[form.focus].key, "duplicate_window");
}

#[test]
fn publish_form_checks_the_subject_and_message() {
    let mut form = Form::publish("");
    type_into(&mut form, "subject", "orders.*");
    type_into(&mut form, "payload", "hi");
    assert!(form.submit(&[]).is_none());
    assert!(
        form.fields[0]
            .error
            .as_deref()
            .unwrap()
            .contains("wildcard")
    );
    type_into(&mut form, "subject", "orders.new");
    type_into(&mut form, "payload", "");
    assert!(form.submit(&[]).is_none());
    assert_eq!(form.fields[form.focus].key, "payload");
    type_into(&mut form, "payload", "{\"id\":1}");
    type_into(&mut form, "msg_id", "m-1");
    assert_eq!(
        form.submit(&[]),
        Some(Action::Publish {
            subject: "orders.new".into(),
            payload: "{\"id\":1}".into(),
            msg_id: Some("m-1".into()),
        })
    );
}

#[test]
fn burst_form_takes_a_count_and_a_rate() {
    let mut form = Form::burst("orders.test");
    assert_eq!(
        form.submit(&[]),
        Some(Action::Burst {
            subject: "orders.test".into(),
            count: 1000,
            rate: None
        })
    );
    type_into(&mut form, "count", "2k");
    type_into(&mut form, "rate", "500");
    assert_eq!(
        form.submit(&[]),
        Some(Action::Burst {
            subject: "orders.test".into(),
            count: 2000,
            rate: Some(500.0)
        })
    );
    type_into(&mut form, "count", "0");
    type_into(&mut form, "rate", "fast");
    assert!(form.submit(&[]).is_none());
    assert!(field(&form, "count").error.is_some());
    assert!(field(&form, "rate").error.is_some());
}
