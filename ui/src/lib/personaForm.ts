// The persona form's state and its conversion to the draft the backend validates.
import type { Persona, PersonaDraft } from "./ipc";
import { commaToList, linesToList, listToComma, listToLines } from "./lists";

export type PersonaForm = {
  name: string;
  role: string;
  segment: string;
  bio: string;
  quote: string;
  color: string;
  goals: string;
  frustrations: string;
  keywords: string;
  segments: string;
};

export function blankPersona(): PersonaForm {
  return { name: "", role: "", segment: "", bio: "", quote: "", color: "#2f7d6d", goals: "", frustrations: "", keywords: "", segments: "" };
}

export function fromPersona(p: Persona): PersonaForm {
  return {
    name: p.name,
    role: p.role,
    segment: p.segment,
    bio: p.bio,
    quote: p.quote,
    color: p.color,
    goals: listToLines(p.goals),
    frustrations: listToLines(p.frustrations),
    keywords: listToComma(p.keywords),
    segments: listToComma(p.segments.filter((s) => s.toLowerCase() !== p.segment.toLowerCase())),
  };
}

export function toPersonaDraft(f: PersonaForm): PersonaDraft {
  return {
    name: f.name,
    role: f.role,
    segment: f.segment,
    bio: f.bio,
    quote: f.quote,
    color: f.color,
    goals: linesToList(f.goals),
    frustrations: linesToList(f.frustrations),
    keywords: commaToList(f.keywords),
    segments: commaToList(f.segments),
  };
}
