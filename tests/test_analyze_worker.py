"""The NER worker process: same annotations as in-process, shared by threads, never in the way."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import process_running

from newsbrief.analyze import nlp, worker
from newsbrief.config import BriefConfig
from newsbrief.pipeline import brief_documents, load_articles, prepare_articles

pytestmark = pytest.mark.skipif(not nlp.ner_available(), reason="needs the spaCy model")


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    articles, _ = load_articles([seeds_dir])
    return prepare_articles(articles)


@pytest.fixture(autouse=True)
def fresh_worker():
    worker.stop()
    yield
    worker.stop()


def test_the_worker_annotates_exactly_as_the_process_itself(seed_documents):
    for budget in (None, 300):  # whole documents, and a sample with propagated names
        assert nlp.start_annotation(seed_documents, budget)() == nlp.annotate(
            seed_documents, max_words=budget
        )
    assert worker._worker is not None and worker._worker.process.poll() is None


def test_a_brief_is_the_same_with_and_without_the_worker(seed_documents):
    inline = brief_documents(seed_documents, BriefConfig(ner_process=False))
    assert worker._worker is None  # ner_process=False never starts it
    assert brief_documents(seed_documents, BriefConfig(ner_process=True)) == inline


def test_answers_reach_the_thread_that_asked(seed_documents):
    texts = [[s.text for s in d.sentences] for d in seed_documents]
    results: dict[int, list] = {}

    def ask(i: int) -> None:
        reply = worker.submit(texts[i])
        assert reply is not None
        results[i] = reply()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, sentences in enumerate(texts):
        assert results[i] == nlp.parse_texts(sentences)


def test_a_dead_worker_means_annotating_in_process(seed_documents):
    pending = nlp.start_annotation(seed_documents, 300)
    worker._worker.process.kill()
    assert pending() == nlp.annotate(seed_documents, max_words=300)
    # Later requests do not try the dead worker again until it is stopped and restarted.
    assert worker.submit(["A sentence."]) is None


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_worker_exits_when_its_parent_is_killed():
    script = (
        "from newsbrief.analyze import worker\n"
        "reply = worker.submit(['Angela Merkel spoke in Berlin.'])\n"
        "reply()\n"
        "print(worker._worker.process.pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process_running(pid):
        time.sleep(0.1)
    assert not process_running(pid)

