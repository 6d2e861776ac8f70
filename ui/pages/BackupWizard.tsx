/** The 5-step add/edit backup wizard: General, Destination, Source data, Schedule, Options. */
import { useEffect, useState } from "preact/hooks";
import { errorText, get, post, put } from "../api.ts";
import { navigate } from "../router.ts";
import { loadSysinfo, reloadBackups } from "../store.ts";
import type { BackupAndSchedule, SystemInfo } from "../types.ts";
import { Stepper } from "../components/Stepper.tsx";
import { ErrorBox, Spinner, toast } from "../components/ui.tsx";
import { Icon } from "../components/Icon.tsx";
import { ImportDialog } from "../components/ImportDialog.tsx";
import { type Draft, draftFrom, stepErrors, toBody } from "./wizard/draft.ts";
import { GeneralStep } from "./wizard/GeneralStep.tsx";
import { DestinationStep } from "./wizard/DestinationStep.tsx";
import { SourceStep } from "./wizard/SourceStep.tsx";
import { ScheduleStep } from "./wizard/ScheduleStep.tsx";
import { OptionsStep } from "./wizard/OptionsStep.tsx";

const STEPS = ["General", "Destination", "Source data", "Schedule", "Options"];

/** Props every step gets: the draft and a patch function. */
export interface StepProps {
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  sysinfo: SystemInfo | null;
}

export function BackupWizard(props: { id: string | null; step?: number }) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [sysinfo, setSysinfo] = useState<SystemInfo | null>(null);
  const [step, setStep] = useState(Math.min(Math.max(props.step ?? 0, 0), 4));
  const [reachable, setReachable] = useState(props.id ? 4 : 0);
  const [err, setErr] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [importing, setImporting] = useState(false);

  useEffect(() => {
    setDraft(null);
    setErr(null);
    (async () => {
      try {
        const src = props.id
          ? await get<BackupAndSchedule>(`/backup/${props.id}`)
          : await get<Partial<BackupAndSchedule>>("/backupdefaults").catch(() => null);
        setDraft(draftFrom(src, !props.id));
      } catch (e) {
        setErr(errorText(e));
      }
    })();
    loadSysinfo().then(setSysinfo, () => {});
  }, [props.id]);

  useEffect(() => {
    document.getElementById("wizard-heading")?.focus();
  }, [step]);

  if (err && !draft) {
    return (
      <div class="page">
        <ErrorBox error={err} />
      </div>
    );
  }
  if (!draft) {
    return (
      <div class="page">
        <Spinner />
      </div>
    );
  }

  const set = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setErrors([]);
  };
  const go = (i: number) => {
    if (i > step) {
      for (let s = step; s < i; s++) {
        const e = stepErrors(draft, s);
        if (e.length) {
          setStep(s);
          setErrors(e);
          return;
        }
      }
    }
    setErrors([]);
    setStep(i);
    setReachable(Math.max(reachable, i));
  };
  const save = async () => {
    setErr(null);
    let body: BackupAndSchedule;
    try {
      body = toBody(draft);
    } catch (e) {
      setErrors([errorText(e)]);
      return;
    }
    setBusy(true);
    try {
      if (draft.id) await put(`/backup/${draft.id}`, body);
      else await post("/backups", body);
      toast(draft.id ? `"${draft.name}" saved` : `"${draft.name}" created`);
      await reloadBackups().catch(() => {});
      navigate("/");
    } catch (e) {
      setErr(`Could not save: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const stepProps: StepProps = { draft, set, sysinfo };
  return (
    <div class="page wizard">
      <Stepper steps={STEPS} current={step} reachable={reachable} onGo={go} />
      <form
        class="wizard-body"
        onSubmit={(e) => {
          e.preventDefault();
          if (step < 4) go(step + 1);
          else void save();
        }}
        noValidate
      >
        <h1 id="wizard-heading" tabIndex={-1}>
          {draft.id ? `Edit "${draft.name || "backup"}": ` : ""}
          {["General backup settings", "Destination", "Source data", "Schedule", "Options"][step]}
        </h1>
        {step === 0 && !draft.id && (
          <div class="import-hint">
            <span class="muted small">Have an exported configuration?</span>
            <button type="button" class="btn small" onClick={() => setImporting(true)}>
              <Icon name="upload" /> Import from a file
            </button>
          </div>
        )}
        {step === 0 && <GeneralStep {...stepProps} />}
        {step === 1 && <DestinationStep {...stepProps} />}
        {step === 2 && <SourceStep {...stepProps} />}
        {step === 3 && <ScheduleStep {...stepProps} />}
        {step === 4 && <OptionsStep {...stepProps} />}
        {errors.length > 0 && (
          <div class="alert error" role="alert">
            {errors.map((e) => <div key={e}>{e}</div>)}
          </div>
        )}
        <ErrorBox error={err} />
        <div class="wizard-nav">
          {step === 0
            ? (
              <button type="button" class="btn" onClick={() => navigate("/")}>
                Cancel
              </button>
            )
            : (
              <button type="button" class="btn" onClick={() => go(step - 1)}>
                Back
              </button>
            )}
          <div class="grow"></div>
          {draft.id && step < 4 && (
            <button
              type="button"
              class="btn"
              disabled={busy}
              onClick={() => void save()}
            >
              Save
            </button>
          )}
          <button type="submit" class="btn primary" disabled={busy}>
            {step < 4
              ? (
                <>
                  Continue <Icon name="chevron" />
                </>
              )
              : busy
              ? "Saving..."
              : "Save"}
          </button>
        </div>
      </form>
      {importing && (
        <ImportDialog
          onClose={() => setImporting(false)}
          onImported={(config) => {
            // Everything from the file, as a new backup: check it step by step, then save.
            setDraft(draftFrom(config, true));
            setImporting(false);
            setErrors([]);
            setReachable(4);
            toast("Configuration imported: check the settings, then save");
          }}
        />
      )}
    </div>
  );
}
