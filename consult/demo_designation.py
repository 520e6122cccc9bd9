"""What the Fictional State did after the demo's first round: its designation, and what became of
the consultation's recommendations.

The State departs from the consultation: respondents put a new specialised body first, closely
followed by the Federal Ombudsman with civil society, and the Government gave the mandate to the
National Human Rights Commission, the option the fewest respondents ranked first. It did so in
two steps, so the record has a history: an interim decree (revision 1), then an Act of
Parliament (revision 2) that contains every guarantee respondents asked for but two, a budget
of its own and private interviews. The publisher records it all through the designation
services, as on the designation desk, and the dates are set back to when each step happened.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from consult import demo
from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.demo import Texts, _t
from consult.opcat.vocabulary import PLACES
from consult.reports import designation
from consult.reports.designation import DesignationEntry
from consult.reports.designation_models import GuaranteeStatus, RecommendationStatus

#: The option (and model) the State designated.
DESIGNATED = "nhri_commission"
BODY = "National Human Rights Commission"
#: The day the Fictional State ratified OPCAT (its summary says 2025).
RATIFIED = date(2025, 6, 26)
#: Guarantees respondents rated essential that the Act leaves out.
ABSENT = ("resources", "private_interviews")
#: What the Act says on each other guarantee: its article (``""``: the Act cannot say).
ARTICLES = {
    "legal_basis": "1",
    "paris_principles": "2",
    "mandate_all_places": "3(1)",
    "separate_unit": "4",
    "functional_independence": "5(1)",
    "personnel_independence": "5(2)",
    "expertise": "6(1)",
    "open_designation_process": "6(2)",
    "gender_minority_balance": "6(3)",
    "privileges_immunities": "7",
    "regular_examination": "8(1)",
    "recommendations": "8(2)",
    "legislative_comments": "8(3)",
    "access_information_numbers": "9(a)",
    "access_information_treatment": "9(b)",
    "access_all_places": "9(c)",
    "choice_of_places_persons": "9(d)",
    "contact_spt": "10",
    "no_sanctions": "11",
    "confidentiality": "12",
    "dialogue_on_recommendations": "13",
    "annual_report_published": "14",
    "designated_within_year": "",
}
#: The interim decree covers these places only.
DECREE_PLACES = ("police_custody", "pretrial_remand", "prison_sentenced")
DECREE_ARTICLES = {"functional_independence": "2", "access_all_places": "3"}

DECREE_NOTE = _t(
    "Interim designation: until Parliament adopts a law, the Government has designated the "
    "National Human Rights Commission by decree. The decree covers police stations and prisons "
    "only.",
    "Désignation provisoire : en attendant que le Parlement adopte une loi, le Gouvernement a "
    "désigné par décret la Commission nationale des droits de l'homme. Le décret ne couvre que "
    "les commissariats et les prisons.",
    "Designación provisional: hasta que el Parlamento apruebe una ley, el Gobierno ha designado "
    "por decreto a la Comisión Nacional de Derechos Humanos. El decreto solo abarca las "
    "comisarías y las cárceles.",
    "تعيين مؤقت: إلى أن يعتمد البرلمان قانونًا، عيّنت الحكومة بمرسوم اللجنة الوطنية لحقوق "
    "الإنسان. ولا يشمل المرسوم سوى مراكز الشرطة والسجون.",
)
#: ``tests/test_demo.py`` checks that the designated option had the fewest first choices.
ACT_NOTE = _t(
    "Parliament adopted the National Preventive Mechanism Act, which gives the mandate to the "
    "National Human Rights Commission: the option that the fewest respondents ranked first. The "
    "Act covers every place of detention, but it gives the mechanism no budget of its own and "
    "does not guarantee private interviews. No budget has been allocated yet, although the "
    "Subcommittee on Prevention has been notified of the designation.",
    "Le Parlement a adopté la loi sur le mécanisme national de prévention, qui confie le mandat "
    "à la Commission nationale des droits de l'homme : l'option que le moins de participants ont "
    "placée en premier. La loi couvre tous les lieux de privation de liberté, mais elle ne dote "
    "pas le mécanisme d'un budget propre et ne garantit pas les entretiens en privé. Aucun budget "
    "n'a encore été alloué, alors que le Sous-comité pour la prévention a déjà été informé de la "
    "désignation.",
    "El Parlamento aprobó la Ley del Mecanismo Nacional de Prevención, que confía el mandato a la "
    "Comisión Nacional de Derechos Humanos: la opción que menos participantes situaron en primer "
    "lugar. La ley abarca todos los lugares de privación de libertad, pero no dota al mecanismo "
    "de un presupuesto propio ni garantiza las entrevistas privadas. Todavía no se ha asignado "
    "ningún presupuesto, aunque ya se ha notificado la designación al Subcomité para la "
    "Prevención.",
    "اعتمد البرلمان قانون الآلية الوقائية الوطنية، الذي يسند الولاية إلى اللجنة الوطنية لحقوق "
    "الإنسان، وهو الخيار الذي وضعه أقل عدد من المشاركين في المرتبة الأولى. ويشمل القانون جميع "
    "أماكن الاحتجاز، لكنه لا يخصص للآلية ميزانية مستقلة ولا يكفل المقابلات الخاصة. ولم تُخصَّص "
    "أي ميزانية حتى الآن، رغم إخطار اللجنة الفرعية لمنع التعذيب بالتعيين.",
)

#: Each recommendation, then its updates: ``(days before today, status, note)``, oldest first.
RECOMMENDATIONS: tuple[tuple[Texts, tuple[tuple[int, RecommendationStatus, Texts], ...]], ...] = (
    (
        _t(
            "Give the mechanism a budget of its own, voted each year by Parliament, and let it "
            "recruit its own staff.",
            "Doter le mécanisme d'un budget propre, voté chaque année par le Parlement, et lui "
            "permettre de recruter son propre personnel.",
            "Dotar al mecanismo de un presupuesto propio, aprobado cada año por el Parlamento, y "
            "permitirle contratar a su propio personal.",
            "تخصيص ميزانية مستقلة للآلية يقرّها البرلمان سنويًا، وتمكينها من توظيف موظفيها بنفسها.",
        ),
        (
            (
                30,
                RecommendationStatus.IN_PROGRESS,
                _t(
                    "The bill tabled in Parliament creates a prevention department within the "
                    "Commission; its funding is to be settled in the budget debate.",
                    "Le projet de loi déposé au Parlement crée un département de la prévention au "
                    "sein de la Commission ; son financement doit être fixé lors du débat "
                    "budgétaire.",
                    "El proyecto de ley presentado al Parlamento crea un departamento de "
                    "prevención dentro de la Comisión; su financiación se fijará en el debate "
                    "presupuestario.",
                    "ينشئ مشروع القانون المعروض على البرلمان إدارة للوقاية داخل اللجنة، على أن "
                    "يُحدَّد تمويلها خلال مناقشة الميزانية.",
                ),
            ),
            (
                12,
                RecommendationStatus.NOT_ADOPTED,
                _t(
                    "The Act gives the mechanism no budget line of its own: its costs come out of "
                    "the Commission's general allocation.",
                    "La loi ne prévoit aucune ligne budgétaire propre au mécanisme : ses dépenses "
                    "sont imputées sur la dotation générale de la Commission.",
                    "La ley no prevé una partida presupuestaria propia para el mecanismo: sus "
                    "gastos se cubren con la asignación general de la Comisión.",
                    "لا يخصص القانون للآلية بندًا مستقلًا في الميزانية، إذ تُغطّى نفقاتها من "
                    "المخصصات العامة للجنة.",
                ),
            ),
        ),
    ),
    (
        _t(
            "Cover every place where people are or may be deprived of liberty, including "
            "psychiatric hospitals, care homes and immigration detention.",
            "Couvrir tous les lieux où des personnes sont ou pourraient être privées de liberté, "
            "y compris les hôpitaux psychiatriques, les établissements de soins et les centres de "
            "rétention pour étrangers.",
            "Abarcar todos los lugares donde haya o pueda haber personas privadas de libertad, "
            "incluidos los hospitales psiquiátricos, las residencias y los centros de "
            "internamiento de migrantes.",
            "أن تشمل الولاية كل مكان يُحرم فيه أشخاص من حريتهم أو قد يُحرمون منها، بما في ذلك "
            "مستشفيات الأمراض النفسية ودور الرعاية ومراكز احتجاز المهاجرين.",
        ),
        (
            (
                38,
                RecommendationStatus.IN_PROGRESS,
                _t(
                    "The interim decree covers police stations and prisons only; the Government "
                    "has announced that the law will cover every place.",
                    "Le décret provisoire ne couvre que les commissariats et les prisons ; le "
                    "Gouvernement a annoncé que la loi couvrira tous les lieux.",
                    "El decreto provisional solo abarca las comisarías y las cárceles; el Gobierno "
                    "ha anunciado que la ley abarcará todos los lugares.",
                    "لا يشمل المرسوم المؤقت سوى مراكز الشرطة والسجون، وقد أعلنت الحكومة أن "
                    "القانون سيشمل جميع الأماكن.",
                ),
            ),
            (
                12,
                RecommendationStatus.ADOPTED,
                _t(
                    "Article 3 of the Act covers every place of deprivation of liberty, public or "
                    "private, including psychiatric hospitals, care homes and immigration "
                    "detention.",
                    "L'article 3 de la loi couvre tous les lieux de privation de liberté, publics "
                    "ou privés, y compris les hôpitaux psychiatriques, les établissements de soins "
                    "et les centres de rétention pour étrangers.",
                    "El artículo 3 de la ley abarca todos los lugares de privación de libertad, "
                    "públicos o privados, incluidos los hospitales psiquiátricos, las residencias "
                    "y los centros de internamiento de migrantes.",
                    "تشمل المادة 3 من القانون جميع أماكن الحرمان من الحرية، العامة منها والخاصة، "
                    "بما في ذلك مستشفيات الأمراض النفسية ودور الرعاية ومراكز احتجاز المهاجرين.",
                ),
            ),
        ),
    ),
    (
        _t(
            "Guarantee in law that the mechanism can talk in private, without witnesses, with any "
            "person deprived of liberty, with an interpreter where needed.",
            "Garantir dans la loi que le mécanisme puisse s'entretenir en privé, sans témoin, avec "
            "toute personne privée de liberté, avec l'aide d'un interprète si nécessaire.",
            "Garantizar por ley que el mecanismo pueda entrevistarse en privado, sin testigos, "
            "con cualquier persona privada de libertad, con intérprete cuando sea necesario.",
            "أن يكفل القانون للآلية إجراء مقابلات خاصة، دون شهود، مع أي شخص محروم من حريته، "
            "بمساعدة مترجم شفوي عند الحاجة.",
        ),
        (
            (
                40,
                RecommendationStatus.NO_RESPONSE,
                _t(
                    "The organisers sent the recommendation to the Ministry of Justice; no reply "
                    "so far.",
                    "Les organisateurs ont transmis la recommandation au ministère de la Justice ; "
                    "aucune réponse à ce jour.",
                    "Los organizadores enviaron la recomendación al Ministerio de Justicia; hasta "
                    "ahora no han recibido respuesta.",
                    "أحال المنظمون التوصية إلى وزارة العدل، ولم يصلهم أي رد حتى الآن.",
                ),
            ),
            (
                12,
                RecommendationStatus.NOT_ADOPTED,
                _t(
                    "The Act is silent on private interviews: the Commission must negotiate "
                    "access with the management of each place.",
                    "La loi est muette sur les entretiens en privé : la Commission doit négocier "
                    "l'accès avec la direction de chaque établissement.",
                    "La ley no dice nada sobre las entrevistas privadas: la Comisión debe negociar "
                    "el acceso con la dirección de cada centro.",
                    "يسكت القانون عن المقابلات الخاصة، ما يضطر اللجنة إلى التفاوض على الوصول مع "
                    "إدارة كل مكان على حدة.",
                ),
            ),
        ),
    ),
)


def load(consultation: Consultation, publisher: User, today: date, closed_on: date) -> None:
    """Record the decree, then the Act, and the recommendations with their updates (flushed)."""
    days = _Days(today)
    decree = designation.record_revision(consultation, publisher, _decree(days, closed_on))
    decree.recorded_at = days.moment(37)
    act = designation.record_revision(consultation, publisher, _act(days, closed_on))
    act.recorded_at = days.moment(11)
    for text, updates in RECOMMENDATIONS:
        recommendation = designation.add_recommendation(consultation, publisher, dict(text))
        recommendation.created_at = days.moment(44)
        for ago, status, note in updates:
            update = designation.add_update(
                consultation, recommendation.id, publisher, status.value, days.ago(ago), dict(note)
            )
            update.recorded_at = days.moment(ago)


class _Days:
    """Days counted back from ``today``, and a morning moment on each in the demo's zone."""

    def __init__(self, today: date) -> None:
        self.today = today

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def moment(self, days: int) -> datetime:
        return datetime.combine(self.ago(days), time(10), ZoneInfo(demo.TIMEZONE)).astimezone(UTC)


def _stages(days: _Days, closed_on: date, *reached: tuple[str, int]) -> dict[str, date | None]:
    early = {"ratified": RATIFIED, "places_mapped": closed_on - timedelta(days=75)}
    return {**early, "consultation_held": closed_on, **{k: days.ago(n) for k, n in reached}}


#: What both revisions say alike: the same body, model and option.
SAME: dict[str, Any] = {"model": DESIGNATED, "option_key": DESIGNATED, "bodies": [BODY]}


def _decree(days: _Days, closed_on: date) -> DesignationEntry:
    return DesignationEntry(
        designated_on=days.ago(38),
        legal_basis="decree",
        instrument_reference="Government Decree No. 112 on the interim preventive mechanism",
        places=DECREE_PLACES,
        guarantees={key: (GuaranteeStatus.IN_LAW, n) for key, n in DECREE_ARTICLES.items()},
        stages=_stages(days, closed_on, ("model_chosen", 38)),
        note=dict(DECREE_NOTE),
        **SAME,
    )


def _act(days: _Days, closed_on: date) -> DesignationEntry:
    guarantees = {
        key: (GuaranteeStatus.IN_LAW, article) if article else (GuaranteeStatus.UNKNOWN, "")
        for key, article in ARTICLES.items()
    }
    guarantees.update({key: (GuaranteeStatus.ABSENT, "") for key in ABSENT})
    reached = (("model_chosen", 38), ("proposal_published", 35), ("bill_tabled", 30))
    return DesignationEntry(
        designated_on=days.ago(12),
        legal_basis="statute",
        instrument_reference="National Preventive Mechanism Act (Act No. 14)",
        places=PLACES.keys(),
        guarantees=guarantees,
        stages=_stages(days, closed_on, *reached, ("law_adopted", 12), ("spt_notified", 5)),
        note=dict(ACT_NOTE),
        **SAME,
    )
