"""Our structures template (CSV): any kind of structure, with its networks and a contact role."""

from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from workshop.mapping import geo, vocabulary
from workshop.mapping.imports.parsing import (
    EMAIL_RE,
    QPV_RE,
    SIRET_RE,
    UAI_RE,
    choice,
    coordinates,
    fold,
    normalise_insee,
    parse_priority,
    split_cell,
    unwrap,
)
from workshop.mapping.imports.report import ImportReport, Scope, open_table
from workshop.mapping.imports.store import apply, ensure_cities, mark_planned
from workshop.mapping.models import Structure, StructureContact, structure_network
from workshop.networks.models import Network
from workshop.writes import Writes

TEMPLATE_COLUMNS = (
    ("type", _l("obligatoire : centre_social, espace_vie_sociale, association, service_municipal, ecole_maternelle, "
               "ecole_elementaire, ecole_primaire, college, lycee ou other (ou leur libellé français)")),
    ("nom", _l("obligatoire : nom usuel de la structure")),
    ("uai", _l("pour une école : 7 chiffres et une lettre (ex. 0930123A)")),
    ("siret", _l("14 chiffres, pour une association ou un centre social")),
    ("adresse", _l("numéro et rue")),
    ("code_postal", _l("5 chiffres")),
    ("code_insee", _l("obligatoire : code INSEE de la commune (ex. 93066), pas le code postal")),
    ("commune", _l("obligatoire : nom de la commune")),
    ("latitude", _l("degrés décimaux, point ou virgule (ex. 48.9362) ; vide = pas sur la carte")),
    ("longitude", _l("degrés décimaux (ex. 2.3574)")),
    ("education_prioritaire", _l("REP, REP+ ou vide")),
    ("code_qp", _l("code du QPV si la structure y est (sinon il est déduit des contours importés)")),
    ("reseaux", _l("réseaux d'appartenance (nom court ou identifiant), séparés par |")),
    ("role_contact", _l("rôle à contacter : %(roles)s", roles=", ".join(vocabulary.CONTACT_ROLES))),
    ("email_contact", _l("adresse e-mail professionnelle du rôle (facultatif, pas d'adresse personnelle)")),
    ("public", _l("oui (par défaut) ou non : visible sur la carte publique")),
)
TEMPLATE_EXAMPLES = (
    ("centre_social", "Centre social Floréal", "", "77567227200017", "4 allée Édouard Vaillant", "93200", "93066",
     "Saint-Denis", "48.9446", "2.3631", "", "QN09321M", "centres-sociaux", "referent_familles",
     "familles@cs-floreal.example.org", "oui"),
    ("ecole_elementaire", "École élémentaire Jean Vilar", "0930612F", "", "2 rue Henri Barbusse", "93200", "93066",
     "Saint-Denis", "48.9401", "2.3588", "REP+", "", "", "directeur_ecole", "", "oui"),
)
STRUCTURES_COLUMNS = {key: (key,) for key, _doc in TEMPLATE_COLUMNS}
STRUCTURES_REQUIRED = {"type": "type", "nom": "nom", "code_insee": "code_insee", "commune": "commune"}


def template_csv() -> str:
    """The downloadable template: header and two example rows, `;`-separated, with a BOM for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([key for key, _doc in TEMPLATE_COLUMNS])
    writer.writerows(TEMPLATE_EXAMPLES)
    return "\ufeff" + buffer.getvalue()


def _parse_structure_row(line: int, row: dict[str, str], report: ImportReport, scope: Scope,
                         networks: dict[str, int]) -> dict | None:
    def bad(message: str) -> None:
        report.reject(line, message)

    kind = choice(row.get("type", ""), vocabulary.KINDS)
    if kind is None:
        return bad(_("type inconnu : « %(v)s » (valeurs : %(k)s)", v=unwrap(row.get("type")),
                     k=", ".join(vocabulary.KINDS)))
    name = unwrap(row.get("nom"))
    if not 1 <= len(name) <= 200:
        return bad(_("nom vide ou trop long (200 caractères au plus)"))
    insee = normalise_insee(row.get("code_insee"))
    if insee is None:
        return bad(_("code INSEE invalide : « %(v)s »", v=unwrap(row.get("code_insee"))))
    if not scope.keeps(insee):
        report.counts["filtered"] += 1
        return None
    uai = unwrap(row.get("uai")).upper() or None
    if uai and not UAI_RE.match(uai):
        return bad(_("UAI invalide : « %(v)s » (7 chiffres et une lettre, ex. 0930123A)", v=uai))
    siret = re.sub(r"\s", "", unwrap(row.get("siret"))) or None
    if siret and not SIRET_RE.match(siret):
        return bad(_("SIRET invalide : « %(v)s » (14 chiffres)", v=siret))
    try:
        lat, lon = coordinates(row.get("latitude", ""), row.get("longitude", ""))
    except ValueError as error:
        return bad(str(error))
    priority_text = unwrap(row.get("education_prioritaire"))
    priority = parse_priority(priority_text)
    if priority_text and priority is None:
        return bad(_("éducation prioritaire : REP, REP+ ou vide, pas « %(v)s »", v=priority_text))
    qpv = unwrap(row.get("code_qp")).upper() or None
    if qpv and not QPV_RE.match(qpv):
        return bad(_("code QPV invalide : « %(v)s »", v=qpv))
    network_ids = []
    for ref in split_cell(row.get("reseaux", ""), r"\s*[|,]\s*"):
        if fold(ref) not in networks:
            return bad(_("réseau inconnu : « %(v)s »", v=ref))
        network_ids.append(networks[fold(ref)])
    role = None
    if unwrap(row.get("role_contact")):
        role = choice(row.get("role_contact", ""), vocabulary.CONTACT_ROLES)
        if role is None:
            return bad(_("rôle de contact inconnu : « %(v)s »", v=unwrap(row.get("role_contact"))))
    email = unwrap(row.get("email_contact")).lower() or None
    if email and (not EMAIL_RE.match(email) or len(email) > 254):
        return bad(_("adresse e-mail de contact invalide : « %(v)s »", v=email))
    if email and not role:
        return bad(_("une adresse e-mail de contact doit aller avec un rôle"))
    public_text = fold(row.get("public", ""))
    if public_text not in ("", "oui", "non", "1", "0", "true", "false"):
        return bad(_("public : oui ou non, pas « %(v)s »", v=unwrap(row.get("public"))))
    return {"kind": kind, "name": name, "uai": uai, "siret": siret, "address": unwrap(row.get("adresse"))[:300],
            "postcode": unwrap(row.get("code_postal"))[:5], "city_insee": insee,
            "city_name": unwrap(row.get("commune"))[:120], "latitude": lat, "longitude": lon, "priority": priority,
            "qpv_code": qpv, "networks": network_ids, "role": role, "email": email,
            "public": public_text not in ("non", "0", "false")}


def _find_structure(session: Session, record: dict) -> Structure | None:
    """Same structure again: by UAI, else SIRET, else same kind, name and commune."""
    if record["uai"]:
        return session.scalar(select(Structure).where(Structure.uai == record["uai"]))
    if record["siret"]:
        found = session.scalar(select(Structure).where(Structure.siret == record["siret"]).limit(1))
        if found:
            return found
    return session.scalar(select(Structure).where(Structure.kind == record["kind"], Structure.name == record["name"],
                                                  Structure.city_insee == record["city_insee"]).limit(1))


KEY_FIELDS = ("uai", "siret", "kind", "name", "city_insee")


def _keys(values: dict) -> list[tuple]:
    """The keys `_find_structure` matches on, in its order (UAI alone when there is one)."""
    if values.get("uai"):
        return [("uai", values["uai"])]
    keys = [("siret", values["siret"])] if values.get("siret") else []
    return [*keys, ("name", values["kind"], values["name"], values["city_insee"])]


def import_structures(session: Session, text: str, report: ImportReport, scope: Scope) -> None:
    """Read and match every row first, then write in bulk: the database is written (and, on SQLite, locked for
    everyone else, the web process's card posts included) only for the short write phase at the end."""
    writes = _plan(session, text, report, scope)  # the file's rows are freed on return, before the window
    if writes is not None:
        apply(writes, report)


def _plan(session: Session, text: str, report: ImportReport, scope: Scope) -> Writes | None:
    """Every read: the rows matched, the new structures and the changes to those found queued in `Writes`."""
    table = open_table(text, STRUCTURES_COLUMNS, STRUCTURES_REQUIRED, report)
    if table is None:
        return None
    networks = {}
    for network in session.scalars(select(Network)):
        networks[fold(network.slug)] = networks[fold(network.short_name)] = network.id
    records = []
    for line, row in table.rows():
        report.count_row()
        record = _parse_structure_row(line, row, report, scope, networks)
        if record is not None:
            record["existing"] = _find_structure(session, record)
            records.append(record)
    saved: dict[tuple, Any] = {}  # what this file already created or changed, by key: a later row finds it
    touched: list[tuple[Any, list[int]]] = []
    with session.no_autoflush:  # planned only: the changes are queued, never flushed
        for record in records:
            record["existing"] = next((saved[k] for k in _keys(record) if k in saved), record["existing"])
            target = _save_structure(session, record, report)
            saved.update((key, target) for key in _keys({k: getattr(target, k) for k in KEY_FIELDS}))
            touched.append((target, record["networks"]))
        new = _unique_new([t for t, _n in touched])
        writes = Writes(session)
        ensure_cities(session, writes, ((r["city_insee"], r["city_name"]) for r in records), report)
        _mark(session, [t for t, _n in touched], report)
        _queue_new(session, writes, new, touched)
        _queue_changed(session, writes, [t for t, _n in touched if not isinstance(t, NewStructure)])
    report.counts["not_on_map"] = sum(1 for r in records if r["latitude"] is None)
    return writes


def _mark(session: Session, targets: list, report: ImportReport) -> None:
    """The QPV of every structure of the file, from the outlines, before anything is written (hand-set ones kept)."""
    found = geo.locator(session)
    targets = _each_once(targets)
    rows = [{"latitude": t.latitude, "longitude": t.longitude, "qpv_code": t.qpv_code, "qpv_manual": t.qpv_manual}
            for t in targets]
    mark_planned(found, rows, report)
    for target, row in zip(targets, rows, strict=True):
        if target.qpv_code != row["qpv_code"]:
            target.qpv_code = row["qpv_code"]


class NewStructure(SimpleNamespace):
    """A structure this import will create, inserted with all the others in one statement."""


def _save_structure(session: Session, record: dict, report: ImportReport) -> Structure | NewStructure:
    """Plan a new structure, or change the one found (`record["existing"]`); written later, with all the others."""
    target = record["existing"]
    values = {k: record[k] for k in ("kind", "name", "uai", "siret", "address", "postcode", "city_insee",
                                     "latitude", "longitude", "priority", "public")}
    if record["qpv_code"]:
        values.update(qpv_code=record["qpv_code"], qpv_manual=True)
    if target is None:
        target = NewStructure(**{"qpv_code": None, "qpv_manual": False, **values}, contacts=[], id=None)
        report.counts["created"] += 1
    elif any(getattr(target, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(target, key, value)
        report.counts["updated"] += 1
    else:
        report.counts["unchanged"] += 1
    if record["role"] and not any(c.role == record["role"] and c.email == record["email"] for c in target.contacts):
        contact = SimpleNamespace if isinstance(target, NewStructure) else StructureContact
        target.contacts.append(contact(role=record["role"], email=record["email"]))
    return target


def _each_once(targets: list) -> list:
    """Each structure once, in the order first met: a file names one on several rows (a row per contact);
    the placeholders of new structures are told apart by identity."""
    return list({id(t): t for t in targets}.values())


def _unique_new(targets: list) -> list[NewStructure]:
    return [t for t in _each_once(targets) if isinstance(t, NewStructure)]


def _rows(new: list[NewStructure]) -> tuple[list[dict], list[tuple[int, str, str | None]]]:
    """The new structures as rows, and their contacts as (position of the structure, role, email)."""
    rows = [{k: v for k, v in vars(n).items() if k not in ("contacts", "id")} | {"source": "structures",
                                                                                  "validated": True}
            for n in new]
    return rows, [(i, c.role, c.email) for i, n in enumerate(new) for c in n.contacts]


def _queue_new(session: Session, writes: Writes, new: list[NewStructure], touched: list[tuple[Any, list[int]]]):
    """Every new structure with its contacts, and the network memberships the rows name and the structures lack:
    the rows of a new structure point at it by its position (its id is known once written)."""
    rows, contacts = _rows(new)
    inserted = writes.insert(Structure, rows)
    writes.insert(StructureContact, [{"structure_id": i, "role": role, "email": email} for i, role, email in contacts],
                  parent=inserted, parent_key="structure_id")
    position = {id(n): i for i, n in enumerate(new)}
    wanted = {(id(s), n): s for s, network_ids in touched for n in network_ids}
    if not wanted:
        return
    have = set(session.execute(select(structure_network.c.structure_id, structure_network.c.network_id)))
    links = {(s.id, n) for (_k, n), s in wanted.items() if not isinstance(s, NewStructure)} - have
    writes.insert(structure_network, [{"structure_id": s, "network_id": n} for s, n in sorted(links)])
    joined = sorted({(position[key], n) for (key, n), s in wanted.items() if isinstance(s, NewStructure)})
    writes.insert(structure_network, [{"structure_id": p, "network_id": n} for p, n in joined],
                  parent=inserted, parent_key="structure_id")


CHANGED_FIELDS = ("kind", "name", "uai", "siret", "address", "postcode", "city_insee", "latitude", "longitude",
                  "priority", "public", "qpv_code", "qpv_manual")


def _queue_changed(session: Session, writes: Writes, found: list[Structure]) -> None:
    """The structures found that the file changes, as one bulk update, and their new contacts; then taken out of
    the session, so that nothing is flushed one row at a time (which the write window would hold)."""
    found = _each_once(found)
    changed = [t for t in found if any(inspect(t).attrs[k].history.has_changes() for k in CHANGED_FIELDS)]
    writes.update(Structure, [{"id": t.id, **{k: getattr(t, k) for k in CHANGED_FIELDS}} for t in changed])
    writes.insert(StructureContact, [{"structure_id": t.id, "role": c.role, "email": c.email}
                                     for t in found for c in inspect(t).dict.get("contacts", ()) if c.id is None])
    for target in found:
        if target in session:
            session.expunge(target)  # with its new contacts (cascade)
