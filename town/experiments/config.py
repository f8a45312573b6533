"""An experiment as one validated YAML file: `ExperimentConfig`, `Condition`, the intervention kinds, `SurveySpec`.

    name: party-diffusion
    run: {agents: 8, hours: 12, model: fake, embedder: hashing, index: numpy}
    seed: 100                  # replicate r runs with seed 100 + r
    replicates: 3
    conditions:
      - {name: full}
      - {name: no-reflection, ablate: [reflection]}
    interventions:
      - {kind: seed_fact, at: "09:00", agent: Mei Lin, fact: harvest party, keywords: [party], text: "..."}
    surveys:
      - {id: noon, at: "12:00", questions: [{id: vote, text: "...", kind: choice, options: [yes, no]}]}

Times are game times HH:MM on the first day (or "+N" hours after the start). Paths are relative to the file.
Every mistake is one line naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agents.config import Ablation
from agents.settings_files import load_model_file
from agents.survey import SurveyQuestion
from town.core.errors import ConfigError

AblationName = Ablation
_TIME = r"^(([01]?\d|2[0-3]):[0-5]\d|\+\d{1,4}(\.\d+)?)$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _At(_Strict):
    at: str = Field(pattern=_TIME, description="HH:MM on the first day, or +H hours after the start")


class WhisperAt(_At):
    kind: Literal["whisper"]
    agents: list[str] | Literal["all"] = "all"
    text: str = Field(min_length=1)


class BroadcastAt(_At):
    kind: Literal["broadcast"]
    text: str = Field(min_length=1)


class SeedFactAt(_At):
    kind: Literal["seed_fact"]
    agent: str
    fact: str
    keywords: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)


class SetObjectAt(_At):
    kind: Literal["set_object"]
    object: str
    state: str


class AddAgentAt(_At):
    kind: Literal["add_agent"]
    persona: Path


class RemoveAgentAt(_At):
    kind: Literal["remove_agent"]
    agent: str


Intervention = Annotated[
    WhisperAt | BroadcastAt | SeedFactAt | SetObjectAt | AddAgentAt | RemoveAgentAt, Field(discriminator="kind")
]


class SurveySpec(_At):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    agents: list[str] | Literal["all"] = "all"
    questions: list[SurveyQuestion] = Field(min_length=1)


class Swap(_Strict):
    """Two agents exchange stated demographic attributes, and nothing else (a persona-swap bias probe)."""

    agents: tuple[str, str]
    attributes: list[Literal["age", "gender", "ethnicity", "religion", "nationality"]] = Field(min_length=1)

    @model_validator(mode="after")
    def _two_people(self) -> Swap:
        if self.agents[0] == self.agents[1]:
            raise ValueError("a swap needs two different agents")
        return self


class Condition(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    ablate: set[AblationName] = Field(default_factory=set)
    run: dict[str, Any] = Field(default_factory=dict, description="run settings that differ in this condition")
    interventions: list[Intervention] = Field(default_factory=list)
    swap: list[Swap] = Field(default_factory=list)
    # The condition the swap is measured against (same seeds, no swap); default: the first condition without one.
    compared_with: str | None = None


class ExperimentConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    run: dict[str, Any] = Field(default_factory=dict, description="run settings shared by every condition")
    seed: int = 0
    replicates: int = Field(default=1, ge=1, le=1000)
    conditions: list[Condition] = Field(min_length=1)
    interventions: list[Intervention] = Field(default_factory=list)
    surveys: list[SurveySpec] = Field(default_factory=list)
    evaluate: bool = True
    executor: Literal["local", "ray"] = "local"
    workers: int = Field(default=2, ge=1, le=256)
    ray_address: str | None = None

    @field_validator("conditions")
    @classmethod
    def _unique_names(cls, conditions: list[Condition]) -> list[Condition]:
        names = [c.name for c in conditions]
        if len(set(names)) != len(names):
            raise ValueError("condition names must be unique")
        if "saves" in names:
            raise ValueError("'saves' is taken: the runs' saves go to OUT/saves/; name the condition otherwise")
        return conditions

    @model_validator(mode="after")
    def _swaps_have_a_baseline(self) -> ExperimentConfig:
        plain = [c.name for c in self.conditions if not c.swap]
        for condition in self.conditions:
            if not condition.swap:
                continue
            wanted = condition.compared_with or (plain[0] if plain else None)
            if wanted is None or wanted not in plain:
                raise ValueError(
                    f"condition {condition.name}: a swap is measured against a condition without one (compared_with)"
                )
            condition.compared_with = wanted
        return self

    @field_validator("run")
    @classmethod
    def _no_output_paths(cls, run: dict[str, Any]) -> dict[str, Any]:
        clash = {"out", "save_dir", "cache_path", "overwrite"} & set(run)
        if clash:
            raise ValueError(f"{', '.join(sorted(clash))}: an experiment places each run's files itself")
        return run


def load_experiment(path: str | Path) -> ExperimentConfig:
    return _resolve_paths(load_model_file(path, ExperimentConfig, "experiment", ConfigError), Path(path).parent)


def _resolve_paths(config: ExperimentConfig, base: Path) -> ExperimentConfig:
    """Paths in the file are relative to the file, not to wherever the command runs."""

    def fix(run: dict[str, Any]) -> dict[str, Any]:
        return {
            k: (str((base / v).resolve()) if k in ("map", "personas") and isinstance(v, str) else v)
            for k, v in run.items()
        }

    def fix_all(items: list[Any]) -> list[Any]:
        return [
            i.model_copy(update={"persona": (base / i.persona).resolve()}) if isinstance(i, AddAgentAt) else i
            for i in items
        ]

    interventions = fix_all(config.interventions)
    conditions = [
        c.model_copy(update={"run": fix(c.run), "interventions": fix_all(c.interventions)}) for c in config.conditions
    ]
    return config.model_copy(update={"run": fix(config.run), "interventions": interventions, "conditions": conditions})
