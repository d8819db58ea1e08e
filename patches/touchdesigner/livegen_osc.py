"""livegen from TouchDesigner: put this in a Text DAT (e.g. `livegen`) next to an OSC Out DAT
named `oscout1` (Network Address 127.0.0.1, Network Port 9000), then call it from anywhere:

    mod('livegen').send_prompts([('dark acid techno', 0.7), ('dub chords', 0.3)])
    mod('livegen').set_guidance(me.par.value0)      # e.g. from a Parameter Execute DAT

Every function sends one message of the daemon's OSC address space (docs/osc.md); values are
clamped to the documented ranges, so a slider can never make the daemon answer with an error.
Replies (beats, bars, status) arrive on the reply port: see README.md next to this file.
"""

OSC_OUT = "oscout1"  # the OSC Out DAT this script sends through
MAX_PROMPTS = 8
STEMS = ("drums", "bass", "music")  # a stem model's stems (livegen serve --stems)
ROOTS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
KEYS = ("none", *(f"{r} {m}" for m in ("major", "minor") for r in ROOTS))  # a menu's items


def _send(address, args=()):
    op(OSC_OUT).sendOSC(address, list(args))  # noqa: F821 (op is TouchDesigner's global)


def _clamp(value, lo, hi):
    return max(lo, min(hi, float(value)))


def send_prompt(text, weight=1.0):
    """One text prompt (weight 0..10)."""
    _send("/livegen/prompt", [str(text), _clamp(weight, 0.0, 10.0)])


def send_prompts(prompts):
    """Up to 8 weighted prompts mixed into one concept: [(text, weight), ...]."""
    args = []
    for text, weight in list(prompts)[:MAX_PROMPTS]:
        args += [str(text), _clamp(weight, 0.0, 10.0)]
    _send("/livegen/prompt", args)


def send_audio_prompt(path, weight=1.0):
    """A reference audio file on the daemon's machine; weight 0 removes it."""
    _send("/livegen/audio_prompt", [str(path), _clamp(weight, 0.0, 10.0)])


def set_guidance(value):
    """Classifier-free guidance scale 0..20 (0 and 1 are unguided)."""
    _send("/livegen/guidance", [_clamp(value, 0.0, 20.0)])


def set_steps(value):
    """Deblending steps per bar, 1..64."""
    _send("/livegen/steps", [round(_clamp(value, 1, 64))])


def set_variation(value):
    """How far the next bar's noise moves from the current one, 0..1."""
    _send("/livegen/variation", [_clamp(value, 0.0, 1.0)])


def set_gain(value):
    """Output gain, linear 0..4 (1 = unity)."""
    _send("/livegen/gain", [_clamp(value, 0.0, 4.0)])


def set_seed(value):
    """Noise seed 0..2147483647."""
    _send("/livegen/seed", [int(_clamp(int(value), 0, 2**31 - 1))])


def set_hold(on):
    """1 = keep repeating the current bar."""
    _send("/livegen/hold", [1 if on else 0])


def set_bpm(value):
    """Tempo of the internal clock, 20..300."""
    _send("/livegen/bpm", [_clamp(value, 20.0, 300.0)])


def set_clock(source):
    """'internal' or 'midi'."""
    if source not in ("internal", "midi"):
        raise ValueError("clock source is 'internal' or 'midi'")
    _send("/livegen/clock", [source])


def recall_scene(index):
    """Scene 0..127 of the daemon's --config file (counted from 0), at the next downbeat."""
    _send("/livegen/scene", [int(_clamp(int(index), 0, 127))])


def morph(text, weight=1.0, bars=4):
    """Move the prompt mix over `bars` bars (1..128, from the next downbeat) to one where
    `text` has the share `weight` (0..1; 1 = only it)."""
    _send("/livegen/morph", [str(text), _clamp(weight, 0.0, 1.0), int(_clamp(int(bars), 1, 128))])


def set_slot(index, weight):
    """Weight 0..10 of prompt slot 0..7 (the slots come from the daemon's config)."""
    _send("/livegen/slot", [int(_clamp(int(index), 0, 7)), _clamp(weight, 0.0, 10.0)])


def define_word(word, meaning=""):
    """From now on prompts read `word` (one word) as `meaning`; no meaning forgets the word.
    The reply /livegen/unknown then lists the words still unplaced in the current prompt."""
    _send("/livegen/word", [str(word)] + ([str(meaning)] if meaning else []))


def _stem(name):
    name = str(name).strip().lower()
    if name not in STEMS:
        raise ValueError(f"a stem is one of {', '.join(STEMS)}, got {name!r}")
    return name


def set_stem_gain(stem, gain, now=True):
    """A stem's linear gain 0..2 (1 = unity); `now` (default, for a fader): at once, else at the
    next downbeat."""
    _send("/livegen/stem", [_stem(stem), _clamp(gain, 0.0, 2.0), 1 if now else 0])


def set_stem_mute(stem, muted, now=False):
    """Mute (or unmute) a stem at the next downbeat, or at once with `now`."""
    _send("/livegen/mute", [_stem(stem), 1 if muted else 0, 1 if now else 0])


def drop(stem="drums"):
    """The breakdown gesture: `stem` out now, back at the next downbeat."""
    _send("/livegen/drop", [_stem(stem)])


def set_key(key):
    """The key of the next bars: 'F minor', 'A#m', 'Eb major', or 'none' (a stem model only); a
    menu's index into KEYS works too."""
    if isinstance(key, int):
        key = KEYS[int(_clamp(key, 0, len(KEYS) - 1))]
    _send("/livegen/key", [str(key)])


def set_key_guidance(value=None):
    """How hard the next bars are pushed to the key, 0..20 (a stem model only): higher finds
    the key more often. None (or "default"): back to the model's own."""
    if value is None or str(value).strip().lower() == "default":
        _send("/livegen/key_guidance", ["default"])
    else:
        _send("/livegen/key_guidance", [_clamp(value, 0.0, 20.0)])


def set_key_lock(on=True):
    """The key lock (a stem model only), from the next bar: on, the bass's notes are pulled
    onto the key's scale (in tune without a key); off, the bass as the model made it."""
    _send("/livegen/key_lock", [1 if on else 0])


def play():
    _send("/livegen/play")


def stop():
    _send("/livegen/stop")


def subscribe(on=True):
    """Ask for /livegen/beat i i and /livegen/bar i on the reply port."""
    _send("/livegen/subscribe", [1 if on else 0])


def request_status():
    """Ask for /livegen/status key value ... (bpm, bar, beat, gen_ms, ...)."""
    _send("/livegen/status")


# Parameter name -> setter, for a Parameter Execute DAT on a custom COMP:
#     def onValueChange(par, prev):
#         mod('livegen').PARAMETERS.get(par.name, lambda v: None)(par.eval())
PARAMETERS = {
    "Guidance": set_guidance,
    "Steps": set_steps,
    "Variation": set_variation,
    "Gain": set_gain,
    "Seed": set_seed,
    "Hold": set_hold,
    "Bpm": set_bpm,
    "Prompt": send_prompt,
    "Scene": recall_scene,
    "Key": set_key,  # a Menu parameter whose items are KEYS (or a Str parameter)
    "Keyguidance": set_key_guidance,  # a Float 0..20
    "Keyguidancedefault": lambda pulse: set_key_guidance(None),  # a Pulse parameter
    "Keylock": set_key_lock,  # a Toggle (default on)
    "Drop": lambda pulse: drop(),  # a Pulse parameter
}
for _name in STEMS:  # "Drumsgain", "Bassmute", ...: a Float 0..2 and a Toggle per stem
    PARAMETERS[_name.capitalize() + "gain"] = lambda v, _s=_name: set_stem_gain(_s, v)
    PARAMETERS[_name.capitalize() + "mute"] = lambda v, _s=_name: set_stem_mute(_s, v)
