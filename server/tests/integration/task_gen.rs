//! `/api/v1/tasks`: the task settings stored and read back, and the generations against a fake
//! OpenAI upstream: the prompt the upstream gets (the reference's template, filled as it fills
//! it), the task parameters, the upstream's answer and failure passed back, and the reference's
//! answers for a disabled generation and an unknown model.

use serde_json::{json, Value};

use crate::completions::{server_with, Fake, Reply};
use crate::users::{req, setup};

const TITLE_PROMPT_HEAD: &str = "### Task:\nGenerate a concise title summarizing the chat history.\n";

fn chat() -> Value {
    json!([{"role": "user", "content": "first"}, {"role": "assistant", "content": "one"},
           {"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}])
}

/// The last request the fake received.
fn last_sent(fake: &Fake) -> Value {
    fake.bodies.lock().unwrap().last().cloned().expect("a request upstream")
}

#[tokio::test]
async fn task_settings_are_stored_and_read_back() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/tasks/config", Some(&acc.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let keys: Vec<String> = r.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.first().map(String::as_str), Some("TASK_MODEL"));
    assert_eq!(keys.last().map(String::as_str), Some("VOICE_MODE_PROMPT_TEMPLATE"));
    assert_eq!(keys.len(), 19);
    assert_eq!(r.json()["ENABLE_TITLE_GENERATION"], json!(true));
    assert_eq!(r.json()["AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH"], json!(-1));

    let mut form = r.json();
    form["ENABLE_TITLE_GENERATION"] = json!(false);
    form["TASK_MODEL_EXTERNAL"] = json!("fake-gpt");
    form.as_object_mut().unwrap().remove("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH");
    let body = form.to_string();
    let r = req("POST", &s.url, "/api/v1/tasks/config/update", Some(&acc.user), Some(&body)).await;
    assert_eq!(r.status, 401, "a user may not change them: {}", r.body);
    let r = req("POST", &s.url, "/api/v1/tasks/config/update", Some(&acc.admin), Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ENABLE_TITLE_GENERATION"], json!(false));
    assert_eq!(r.json()["AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH"], json!(-1));
    let r = req("GET", &s.url, "/api/v1/tasks/config", Some(&acc.user), None).await;
    assert_eq!(r.json()["TASK_MODEL_EXTERNAL"], json!("fake-gpt"));

    // Title generation is now off: the reference's 200 with a detail.
    let body = json!({"model": "fake-gpt", "messages": chat()}).to_string();
    let r = req("POST", &s.url, "/api/v1/tasks/title/completions", Some(&acc.user), Some(&body)).await;
    assert_eq!((r.status, r.json()), (200, json!({"detail": "Title generation is disabled"})));

    // A required field missing: FastAPI's 422.
    let r = req("POST", &s.url, "/api/v1/tasks/config/update", Some(&acc.admin), Some("{}")).await;
    assert_eq!(r.status, 422, "{}", r.body);
}

#[tokio::test]
async fn generations_send_the_references_prompts_and_pass_the_answer_back() {
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let post = |path: &'static str, body: Value| {
        let (url, token) = (s.url.clone(), acc.admin.clone());
        async move { req("POST", &url, path, Some(&token), Some(&body.to_string())).await }
    };

    let r = post("/api/v1/tasks/title/completions", json!({"model": "fake-gpt", "messages": chat(), "chat_id": "c1"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["choices"][0]["message"]["content"], json!(r#"Sure: {"title": "Greeting Chat"}"#));
    let sent = last_sent(&fake);
    let prompt = sent["messages"][0]["content"].as_str().unwrap().to_string();
    assert!(prompt.starts_with(TITLE_PROMPT_HEAD), "{prompt}");
    assert!(prompt.ends_with("<chat_history>\nUSER: hello\nASSISTANT: hi\n</chat_history>"), "{prompt}");
    assert_eq!(
        sent,
        json!({"model": "fake-gpt", "messages": [{"role": "user", "content": prompt}], "stream": false, "max_tokens": 1000})
    );

    // The follow-ups' default template: the first user message and the last four.
    post("/api/v1/tasks/follow_up/completions", json!({"model": "fake-gpt", "messages": chat()})).await;
    let prompt = last_sent(&fake)["messages"][0]["content"].as_str().unwrap().to_string();
    assert!(prompt.ends_with("<chat_history>\nUSER: first\nASSISTANT: one\nUSER: hello\nASSISTANT: hi\n</chat_history>"), "{prompt}");

    // The emoji: four tokens at most; the prompt in the template.
    post("/api/v1/tasks/emoji/completions", json!({"model": "fake-gpt", "prompt": "I won!"})).await;
    let sent = last_sent(&fake);
    assert_eq!(sent["max_tokens"], json!(4));
    assert!(sent["messages"][0]["content"].as_str().unwrap().ends_with("Message: ```I won!```"));

    // Mixture of agents: the responses in triple quotes, on the chat's own model.
    post("/api/v1/tasks/moa/completions", json!({"model": "fake-gpt", "prompt": "q", "responses": ["a", "b"]})).await;
    let sent = last_sent(&fake);
    assert!(sent["messages"][0]["content"].as_str().unwrap().ends_with("Responses from models: \"\"\"a\"\"\"\n\n\"\"\"b\"\"\""));
    assert_eq!(sent.get("max_tokens"), None);

    // An unknown model, and the upstream's failure as it came.
    let r = post("/api/v1/tasks/tags/completions", json!({"model": "no-such-model", "messages": chat()})).await;
    assert_eq!((r.status, r.json()), (404, json!({"detail": "Model '' was not found"})));
    fake.next(Reply::Status(503));
    let r = post("/api/v1/tasks/image_prompt/completions", json!({"model": "fake-gpt", "messages": chat()})).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["error"]["message"], json!("scripted failure"));

    // Autocompletion is off by default: 400; queries of an unknown type go on.
    let r = post("/api/v1/tasks/auto/completions", json!({"model": "fake-gpt", "prompt": "x"})).await;
    assert_eq!((r.status, r.json()), (400, json!({"detail": "Autocompletion generation is disabled"})));
    let r = post("/api/v1/tasks/queries/completions", json!({"model": "fake-gpt", "messages": chat(), "type": "web_search"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The web UI's completion with `background_tasks`: after the answer, the follow-ups, the title
/// and the tags are generated through the task model, saved, and announced in the reference's
/// order before the chat goes inactive.
#[tokio::test]
async fn the_web_uis_answer_is_followed_by_its_title_tags_and_follow_ups() {
    use crate::completions::{assistant_message, events_until_inactive, socket, uuid, webui_body};
    let fake = Fake::start().await;
    let s = server_with(&fake).await;
    let acc = setup(&s.url).await;
    let Some((mut c, sid)) = socket(&s.url, &acc.admin).await else { return };
    // The answer; the task prompts are answered by their words (see `completions::serve`).
    fake.next(Reply::Text("Hello there".into()));

    let (um, am) = (uuid(), uuid());
    let mut body: Value = serde_json::from_str(&webui_body(&sid, &um, &am)).unwrap();
    body["background_tasks"] = json!({"title_generation": true, "tags_generation": true, "follow_up_generation": true});
    let r = req("POST", &s.url, "/api/chat/completions", Some(&acc.admin), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chat_id = r.json()["chat_id"].as_str().unwrap().to_string();
    let events = events_until_inactive(&mut c).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["data"]["type"].as_str().unwrap_or("")).collect();
    // The new chat's title is generated beside the answer; the follow-ups and tags after it.
    let tail: Vec<&str> = kinds[kinds.len() - 3..].to_vec();
    assert_eq!(tail, ["chat:message:follow_ups", "chat:tags", "chat:active"], "{kinds:?}");
    let n = events.len();
    assert_eq!(events[n - 3]["data"]["data"], json!({"follow_ups": ["Tell me more", "Why?"]}));
    assert_eq!(events[n - 2]["data"]["data"], json!(["General", "Small Talk"]));
    let titles: Vec<&Value> = events.iter().filter(|e| e["data"]["type"] == "chat:title").map(|e| &e["data"]["data"]).collect();
    assert_eq!(titles, [&json!("Greeting Chat")]);

    // What the task model was asked: the title over the new chat (the reply still empty), the
    // follow-ups over the answered exchange.
    let sent = fake.bodies.lock().unwrap().clone();
    assert_eq!(sent.len(), 4);
    let prompts: Vec<String> = sent.iter().map(|b| b["messages"][0]["content"].as_str().unwrap_or("").to_string()).collect();
    let title_prompt = prompts.iter().find(|p| p.contains("Generate a concise title")).unwrap();
    assert!(title_prompt.ends_with("<chat_history>\nUSER: hello\nASSISTANT: \n</chat_history>"), "{title_prompt}");
    let follow_up_prompt = prompts.iter().find(|p| p.contains("Predict 3-5 useful messages")).unwrap();
    assert!(follow_up_prompt.ends_with("<chat_history>\nUSER: hello\nASSISTANT: Hello there\n</chat_history>"), "{follow_up_prompt}");

    // Saved: the title (the sidebar's), the tags, the message's follow-ups.
    let r = req("GET", &s.url, &format!("/api/v1/chats/{chat_id}"), Some(&acc.admin), None).await;
    assert_eq!(r.json()["title"], json!("Greeting Chat"));
    assert_eq!(r.json()["chat"]["title"], json!("Greeting Chat"));
    assert_eq!(r.json()["meta"]["tags"], json!(["general", "small_talk"]));
    let m = assistant_message(&s, &acc.admin, &chat_id, &am).await;
    assert_eq!(m["followUps"], json!(["Tell me more", "Why?"]));
    let r = req("GET", &s.url, "/api/v1/chats/all/tags", Some(&acc.admin), None).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(2), "{}", r.body);
}
