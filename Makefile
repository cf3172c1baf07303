# PyTorch course: every command works from a fresh clone (it sets up .venv first when needed).
VENV := .venv
PYTHON := $(VENV)/bin/python
READY := $(VENV)/.ready
GRADER := cd autograder && ../$(PYTHON) -m course_grader
SUBMISSIONS ?= autograder/samples
# The student edition's own GitHub repository (OWNER/NAME): its Binder and Colab links point there.
STUDENT_REPO ?= your-github-user/pytorch-course-student
STUDENT_DIR ?= ../pytorch-course-student
PORT ?= 8888

.PHONY: setup demo test release autograde scheduler worker feedback grades report formgrader samples lab student data benchmark clean

setup: $(READY)

$(READY): requirements.txt course/pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements.txt
	$(PYTHON) -m pip install --quiet --no-deps -e course
	$(PYTHON) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (PyTorch course)"
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } \
	  || echo "WARNING: install bubblewrap (bwrap) so that grading kernels run sandboxed"
	touch $@

demo: $(READY)   ## regenerate course/, grade the sample submissions, write feedback and grades
	$(GRADER) demo

test: $(READY)   ## the whole test suite (what CI runs)
	$(PYTHON) -m pytest -q --durations=20 tests

release: $(READY)   ## course/ from solutions/
	$(GRADER) release

autograde: $(READY)   ## grade SUBMISSIONS=DIR laid out <student>/<part>/<notebook>.ipynb [JOBS=N FORCE=1 SCHEDULER=...]
	$(GRADER) autograde $(abspath $(SUBMISSIONS)) $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER))

scheduler: $(READY)   ## a Dask scheduler for grading on several machines (port 8786)
	$(VENV)/bin/dask scheduler --port 8786 --dashboard-address :8787

worker: $(READY)   ## a Dask grading worker on this machine for SCHEDULER=tcp://host:8786
	cd autograder && PYTHONPATH=. ../$(VENV)/bin/dask worker $(SCHEDULER) --nthreads 1 \
	  --nworkers $(or $(JOBS),auto) --no-dashboard

feedback: $(READY)
	$(GRADER) feedback

grades: $(READY)
	$(GRADER) grades

report: $(READY)   ## autograder/report/: score histograms, pass rates, common mistakes
	$(GRADER) report

formgrader: $(READY)   ## nbgrader's Formgrader on this course (manual grading, feedback) at http://localhost:$(PORT)/formgrader
	cd autograder && ../$(VENV)/bin/jupyter lab --no-browser --port=$(PORT) --ServerApp.root_dir=$(CURDIR) \
	  --ServerApp.default_url=/formgrader $$([ "$$(id -u)" = 0 ] && echo --allow-root)

samples: $(READY)   ## rebuild autograder/samples/ from the release and autograder/variants/
	$(GRADER) samples

lab: $(READY)   ## JupyterLab on work/, your own copy of the course notebooks (never overwritten)
	@for notebook in course/*/*.ipynb; do \
	  copy="work/$${notebook#course/}"; \
	  [ -e "$$copy" ] || { mkdir -p "$$(dirname "$$copy")" && cp "$$notebook" "$$copy" \
	    && echo "copied $$notebook to $$copy"; }; \
	done
	$(VENV)/bin/jupyter lab work $$([ "$$(id -u)" = 0 ] && echo --allow-root)

student: $(READY)   ## the course alone in STUDENT_DIR, to publish as the repository STUDENT_REPO
	$(GRADER) student --to $(abspath $(STUDENT_DIR)) --repo $(STUDENT_REPO)

data: $(READY)   ## download datasets into data/ (offline: small real stand-ins)
	$(PYTHON) data/fetch.py

benchmark: $(READY)   ## timings that are measured, not asserted
	$(PYTHON) benchmarks/grading_speed.py $(PARTS)
	$(PYTHON) benchmarks/class_grading.py --students $(or $(STUDENTS),40) $(PARTS)
	$(PYTHON) benchmarks/capstone.py
	$(PYTHON) benchmarks/transfer_learning.py

clean:
	rm -rf autograder/submitted autograder/autograded autograder/feedback autograder/gradebook.db \
	  autograder/grades.csv autograder/.jupyter autograder/exchange
