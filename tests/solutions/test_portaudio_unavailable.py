"""Verified fixes for solutions/portaudio-unavailable.md: PortAudio, PyAudio or a sound device missing.

The project does not install SpeechRecognition, PyAudio or sounddevice (PyAudio compiles against PortAudio's headers,
sounddevice needs libportaudio2), so the tests write small fakes into tmp_path with the shape and the texts of the real
releases (checked 2026-12-07 on Debian 12, CPython 3.11.7):
- `sounddevice.py` copies the library lookup of sounddevice 0.5.6 (lines 59-73): `ctypes.util.find_library` for
  'portaudio' and conda's names, else `raise OSError('PortAudio library not found')`; the child replaces
  `ctypes.util.find_library` with one that finds nothing, i.e. a Linux machine without libportaudio2. Its
  `query_devices` raises `PortAudioError(f'Error querying device {device}')` for the default device -1 when PortAudio
  has no device, as 0.5.6 does;
- `speech_recognition/__init__.py` copies SpeechRecognition 3.17.0's `Microphone.get_pyaudio` (`import pyaudio`, on any
  ImportError `raise AttributeError("Could not find PyAudio; check installation")`), and has the `AudioFile`, `Recognizer.record`
  and `AudioData` members the entry's Option 2 uses (reading a WAV with the wave module, as 3.17.0 does for WAV);
- `pyaudio/__init__.py` copies PyAudio 0.2.14's device API texts: `get_default_input_device_info` raises
  `OSError("No Default Input Device Available")` and `open(input=True)` raises
  `OSError(-9996, "Invalid input device (no default output device)")` when the device list is empty
  (src/pyaudio/device_api.c, stream_lifecycle.c); the devices come from FAKE_PA_INPUTS (the fake sounddevice lists the
  same ones);
- a broken `pyaudio/__init__.py` raises what 0.2.14 raises when it is installed but libportaudio.so.2 is gone (reproduced
  by hiding the library in a private mount namespace): `ImportError: libportaudio.so.2: cannot open shared object file`.
The errors are reproduced in a child interpreter and fed to the matcher; then the entry's own Option 1 (check_audio.py)
and Option 2 (microphone or file) run against the fakes.
"""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
import wave

import pytest
from answers import assert_answers, confident_answer
from fake_site import write_files
from pyrun import last_line, run_python

SLUG = "portaudio-unavailable"

SOUNDDEVICE = '''
"""Fake of sounddevice 0.5.6: the PortAudio lookup at import time and query_devices."""
__version__ = "0.5.6"

import os as _os
from ctypes.util import find_library as _find_library


class PortAudioError(Exception):
    pass


try:
    for _libname in (
            'portaudio',  # Default name on POSIX systems
            'bin\\\\libportaudio-2.dll',  # DLL from conda-forge
            'lib/libportaudio.dylib',  # dylib from anaconda
            ):
        _libname = _find_library(_libname)
        if _libname is not None:
            break
    else:
        raise OSError('PortAudio library not found')
except OSError:
    raise


def _devices():
    names = [n for n in _os.environ.get("FAKE_PA_INPUTS", "").split(",") if n]
    return [{"name": n, "index": i, "max_input_channels": 2} for i, n in enumerate(names)]


def query_devices(device=None, kind=None):
    devices = _devices()
    if kind is not None:
        if devices:
            return devices[0]
        device = -1  # paNoDevice: PortAudio has no default device
    if device is not None:
        if not 0 <= device < len(devices):
            raise PortAudioError(f'Error querying device {device}')
        return devices[device]
    return devices
'''

PYAUDIO = '''
"""Fake of PyAudio 0.2.14: the device API as it behaves with and without a sound device."""
import os

__version__ = "0.2.14"
paInt16 = 8


def _devices():
    names = [n for n in os.environ.get("FAKE_PA_INPUTS", "").split(",") if n]
    return [{"index": i, "name": n, "maxInputChannels": 2, "defaultSampleRate": 44100.0} for i, n in enumerate(names)]


def get_sample_size(fmt):
    return 2


class _Stream:
    def read(self, frames, exception_on_overflow=True):
        return b"\\0\\0" * frames

    def close(self):
        pass


class PyAudio:
    def get_device_count(self):
        return len(_devices())

    def get_device_info_by_index(self, index):
        return _devices()[index]

    def get_default_input_device_info(self):
        if not _devices():
            raise IOError("No Default Input Device Available")
        return _devices()[0]

    def open(self, rate, channels, format, input=False, output=False, **kwargs):
        if input and not _devices():
            raise IOError(-9996, "Invalid input device (no default output device)")
        return _Stream()

    def terminate(self):
        pass
'''

SPEECH_RECOGNITION = '''
"""Fake of SpeechRecognition 3.17.0: Microphone (PyAudio), AudioFile (WAV), Recognizer.record."""
import wave

__version__ = "3.17.0"


class AudioSource:
    pass


class AudioData:
    def __init__(self, frame_data, sample_rate, sample_width):
        self.frame_data = frame_data
        self.sample_rate = sample_rate
        self.sample_width = sample_width


class Microphone(AudioSource):
    def __init__(self, device_index=None, sample_rate=None, chunk_size=1024):
        # set up PyAudio
        self.pyaudio_module = self.get_pyaudio()
        audio = self.pyaudio_module.PyAudio()
        try:
            device_info = audio.get_default_input_device_info()
        finally:
            audio.terminate()
        self.SAMPLE_RATE = int(device_info["defaultSampleRate"])
        self.CHUNK = chunk_size

    @staticmethod
    def get_pyaudio():
        """
        Imports the pyaudio module and checks its version. Throws exceptions if pyaudio can't be found or a wrong version is installed
        """
        try:
            import pyaudio
        except ImportError:
            raise AttributeError("Could not find PyAudio; check installation")
        return pyaudio

    def __enter__(self):
        self.audio = self.pyaudio_module.PyAudio()
        self.stream = self.audio.open(rate=self.SAMPLE_RATE, channels=1, format=self.pyaudio_module.paInt16, input=True)
        return self

    def __exit__(self, *exc):
        self.stream.close()
        self.audio.terminate()


class AudioFile(AudioSource):
    def __init__(self, filename_or_fileobject):
        self.filename_or_fileobject = filename_or_fileobject

    def __enter__(self):
        self._wav = wave.open(self.filename_or_fileobject, "rb")
        self.SAMPLE_RATE = self._wav.getframerate()
        self.SAMPLE_WIDTH = self._wav.getsampwidth()
        return self

    def __exit__(self, *exc):
        self._wav.close()


class Recognizer:
    def record(self, source, duration=None, offset=None):
        if isinstance(source, AudioFile):
            frames = source._wav.readframes(int(source.SAMPLE_RATE * duration) if duration else -1)
            return AudioData(frames, source.SAMPLE_RATE, source.SAMPLE_WIDTH)
        frames = source.stream.read(int(source.SAMPLE_RATE * (duration or 1)))
        return AudioData(frames, source.SAMPLE_RATE, 2)
'''

BROKEN_PYAUDIO = '''
"""Fake of PyAudio 0.2.14 installed while libportaudio.so.2 is not: its C module does not load."""
import sys

print("Could not import the PyAudio C module 'pyaudio._portaudio'.", file=sys.stderr)
raise ImportError("libportaudio.so.2: cannot open shared object file: No such file or directory")
'''

NO_LIBRARY = "import ctypes.util\nctypes.util.find_library = lambda name: None  # a Linux machine without libportaudio2\n"


@pytest.fixture
def sites(tmp_path):
    """Fake site folders: SpeechRecognition + sounddevice without PyAudio, with it, with a PyAudio whose
    PortAudio library is missing, and sounddevice alone."""
    recognizer = {"speech_recognition/__init__.py": SPEECH_RECOGNITION, "sounddevice.py": SOUNDDEVICE}
    layouts = {
        "bare": recognizer,
        "full": {**recognizer, "pyaudio/__init__.py": PYAUDIO},
        "sd_only": {"sounddevice.py": SOUNDDEVICE},
        "broken": {**recognizer, "pyaudio/__init__.py": BROKEN_PYAUDIO},
    }
    return {name: write_files(tmp_path / name, files, dedent=False) for name, files in layouts.items()}


def test_sounddevice_without_the_portaudio_library(sites, index):
    result = run_python(NO_LIBRARY + "import sounddevice\n", path=sites["bare"])
    assert last_line(result) == "OSError: PortAudio library not found"
    assert (
        "sounddevice.py" in result.stderr and "raise OSError('PortAudio library not found')" in result.stderr
    )
    assert_answers(index, SLUG, result.stderr)


def test_speech_recognition_microphone_without_pyaudio(sites, index):
    code = "import speech_recognition as sr\nwith sr.Microphone() as source:\n    pass\n"
    result = run_python(code, path=sites["bare"])
    assert last_line(result) == "AttributeError: Could not find PyAudio; check installation"
    assert "No module named 'pyaudio'" in result.stderr  # chained, as 3.17.0 prints it
    assert_answers(index, SLUG, result.stderr)


def test_no_sound_device(sites, index):
    code = (
        "import pyaudio\n"
        "p = pyaudio.PyAudio()\n"
        "p.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=1024)\n"
    )
    result = run_python(code, path=sites["full"], env={"FAKE_PA_INPUTS": ""})
    assert last_line(result) == "OSError: [Errno -9996] Invalid input device (no default output device)"
    # what a container prints before it: ALSA's log lines (from the real run) and the traceback
    alsa = (
        "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'\n"
        "ALSA lib conf.c:5180:(_snd_config_evaluate) function snd_func_card_inum returned error: No such file or directory\n"
        "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM sysdefault\n"
    )
    assert_answers(index, SLUG, alsa + result.stderr)
    assert_answers(index, SLUG, result.stderr)

    result = run_python("import sounddevice as sd\nsd.query_devices(kind='input')\n", path=sites["full"])
    assert last_line(result) == "sounddevice.PortAudioError: Error querying device -1"
    assert_answers(index, SLUG, result.stderr)


def test_build_failures_and_old_wordings_are_this_entry(entry, index):
    # the header line on its own; a pasted build log around it is answered by pip-build-wheel-failed (its generic
    # compiler and trailer signatures outscore this line: reported, that entry is not ours to edit)
    for text in (
        "src/pyaudio/device_api.c:9:10: fatal error: portaudio.h: No such file or directory",
        "src/_portaudiomodule.c:29:10: fatal error: 'portaudio.h' file not found",
        "AttributeError: module 'speech_recognition' has no attribute 'Microphone'",
        "OSError: ctypes.util.find_library() did not manage to locate a library called 'portaudio'",
    ):
        assert text in entry.errors
        assert_answers(index, SLUG, text)


def test_look_alikes_are_not_this_entry(entry, index):
    assert "OSError: [Errno -9981] Input overflowed" in entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


def _option1_reports_the_device(code: str, site, tmp_path):
    """Option 1 without an input device (a container) says the device is what is missing, and with one
    lists it; returns the run with a device."""
    no_device = run_python(code, path=site, cwd=tmp_path, env={"FAKE_PA_INPUTS": ""})
    assert no_device.returncode == 0, no_device.stderr
    assert "input devices: none | default input: none" in no_device.stdout
    assert "fix: PortAudio sees no input device" in no_device.stdout
    assert "pip install pyaudio" not in no_device.stdout

    with_device = run_python(code, path=site, cwd=tmp_path, env={"FAKE_PA_INPUTS": "USB mic"})
    assert "input devices: ['USB mic'] | default input: USB mic" in with_device.stdout
    return with_device


def test_option1_names_what_this_interpreter_misses(fix_code, sites, tmp_path):
    library = ctypes.util.find_library("portaudio")
    code = fix_code(SLUG, 1)

    bare = run_python(code, path=sites["bare"], cwd=tmp_path)
    assert bare.returncode == 0, bare.stderr
    assert f"PortAudio library: {library or 'not found'}" in bare.stdout
    assert "pyaudio: cannot import: No module named 'pyaudio'" in bare.stdout
    assert (
        f'fix: "{sys.executable}" -m pip install pyaudio' in bare.stdout
    )  # this interpreter's pip, not a bare pip
    assert "ok:" not in bare.stdout

    no_lib = run_python(NO_LIBRARY + code, path=sites["bare"], cwd=tmp_path)
    assert "sounddevice: installed, but PortAudio library not found" in no_lib.stdout
    assert "fix: sudo apt-get install -y libportaudio2 portaudio19-dev" in no_lib.stdout

    with_device = _option1_reports_the_device(code, sites["full"], tmp_path)
    assert (
        "ok: PortAudio, a binding (PyAudio or sounddevice) and a default input device" in with_device.stdout
    ) == bool(library)


def test_option2_reads_a_file_when_there_is_no_microphone(fix_code, sites, tmp_path):
    code = fix_code(SLUG, 2)
    # without PyAudio, sr.Microphone() would raise "Could not find PyAudio"; the block takes the file instead
    without = run_python(code, path=sites["bare"], cwd=tmp_path)
    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "32000 bytes at 16000 Hz"
    assert (tmp_path / "speech.wav").is_file()

    # PyAudio present but no device (a container): still the file, no -9996
    no_device = run_python(code, path=sites["full"], cwd=tmp_path, env={"FAKE_PA_INPUTS": ""})
    assert no_device.returncode == 0, no_device.stderr
    assert no_device.stdout.strip() == "32000 bytes at 16000 Hz"

    # a machine with a microphone records from it
    mic = run_python(code, path=sites["full"], cwd=tmp_path, env={"FAKE_PA_INPUTS": "USB mic"})
    assert mic.returncode == 0, mic.stderr
    assert mic.stdout.strip() == "441000 bytes at 44100 Hz"


def test_option1_checks_the_device_of_a_sounddevice_user(fix_code, sites, tmp_path):
    # sounddevice alone, no device (a container): the old script asked for PyAudio and portaudio19-dev and never said
    # that the device is what is missing (the user's error is `Error querying device -1`)
    code = fix_code(SLUG, 1)
    with_device = _option1_reports_the_device(code, sites["sd_only"], tmp_path)
    assert "pip install pyaudio" not in with_device.stdout
    assert ("ok: PortAudio, a binding" in with_device.stdout) == bool(ctypes.util.find_library("portaudio"))


def test_option1_pyaudio_installed_without_its_runtime_library(fix_code, sites, tmp_path):
    # PyAudio is installed, libportaudio.so.2 is not (a multi-stage image): pip install would say "already satisfied"
    result = run_python(NO_LIBRARY + fix_code(SLUG, 1), path=sites["broken"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "pyaudio: cannot import: libportaudio.so.2: cannot open shared object file" in result.stdout
    assert "fix: sudo apt-get install -y libportaudio2" in result.stdout
    assert "pip install pyaudio" not in result.stdout


def test_speech_recognition_with_pyaudio_but_no_runtime_library(sites, index):
    code = "import speech_recognition as sr\nsr.Microphone()\n"
    result = run_python(code, path=sites["broken"])
    assert last_line(result) == "AttributeError: Could not find PyAudio; check installation"
    assert "ImportError: libportaudio.so.2: cannot open shared object file" in result.stderr
    assert_answers(index, SLUG, result.stderr)
    assert_answers(
        index,
        SLUG,
        "ImportError: libportaudio.so.2: cannot open shared object file: No such file or directory",
    )


def test_option2_reads_a_long_file_whole(fix_code, sites, tmp_path):
    # the old block recorded the file with duration=5: a 10 s upload lost its last 5 s (on SpeechRecognition 3.17.0
    # 155648 of 320000 bytes were read)
    with wave.open(str(tmp_path / "speech.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\1\0" * 160000)
    result = run_python(fix_code(SLUG, 2), path=sites["bare"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:4] == ["320000", "bytes", "at", "16000"]


def test_option2_does_not_invent_silence_for_a_missing_file(fix_code, sites, tmp_path):
    # the old audio_source() wrote one second of silence whenever its path was missing, so a lost upload was
    # "transcribed" as nothing instead of failing
    code = fix_code(SLUG, 2) + (
        "\ntry:\n    record(sr.Recognizer(), 'upload.wav')\nexcept FileNotFoundError:\n    print('missing: raised')\n"
    )
    result = run_python(code, path=sites["bare"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "missing: raised" in result.stdout
    assert not (tmp_path / "upload.wav").exists()


def test_option3_never_lets_docker_create_host_paths(fix_code):
    # `-v host:ctr` creates a missing host path as an empty root-owned directory (a cookie file becomes a directory);
    # --mount fails instead
    code = fix_code(SLUG, 3)
    binds = [
        line.strip() for line in code.splitlines() if "pulse/" in line and not line.lstrip().startswith("#")
    ]
    binds = [line for line in binds if line.startswith(("-v", "--volume", "--mount"))]
    assert len(binds) == 2, binds
    assert all(line.startswith("--mount type=bind,") for line in binds), binds


def test_option4_keeps_an_existing_asoundrc(fix_code, tmp_path):
    code = fix_code(SLUG, 4)
    home = tmp_path / "ci"
    home.mkdir()
    for _ in range(2):  # applied twice
        done = subprocess.run(
            ["bash", "-c", code], env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, check=False
        )
        assert done.returncode == 0
    assert (home / ".asoundrc").read_text() == "pcm.!default {\n    type null\n}\n"

    desktop = tmp_path / "desktop"
    desktop.mkdir()
    mine = "pcm.!default { type hw card 1 }\n"
    (desktop / ".asoundrc").write_text(mine)
    done = subprocess.run(
        ["bash", "-c", code],
        env={"HOME": str(desktop), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert (desktop / ".asoundrc").read_text() == mine  # the old block overwrote it
    assert "exists" in done.stderr


def test_alsa_noise_of_a_working_card_is_not_this_entry(index):
    # printed on a Raspberry Pi whose card works (microsoft/IoT-For-Beginners: "you can ignore these errors"); the
    # old `Unknown PCM sysdefault` signature answered each line confidently (cards.pcm.rear 90)
    for text in (
        "ALSA lib pcm.c:2495:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear",
        "ALSA lib pcm.c:2664:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.center_lfe",
        "ALSA lib pcm_dmix.c:1032:(snd_pcm_dmix_open) unable to open slave",
        "ALSA lib pcm_oss.c:377:(_snd_pcm_oss_open) Unknown field port",
    ):
        assert confident_answer(index, text) != SLUG, text


def test_other_libraries_with_the_same_shape_are_not_this_entry(index):
    for text in (
        "AttributeError: Could not find FLAC; check installation",
        "AttributeError: Could not find numpy; check installation",
        "symbol 'sf_open' not found in library '<None>': python: undefined symbol: sf_open",
        "OSError: mpg123 library not found",
    ):
        assert confident_answer(index, text) != SLUG, text
    # sounddevice 0.3.9 with another interpreter path is still this entry
    assert_answers(
        index,
        SLUG,
        "ffi.error: symbol 'Pa_Initialize' not found in library '<None>': /opt/venv/bin/python: undefined symbol: Pa_Initialize",
    )
