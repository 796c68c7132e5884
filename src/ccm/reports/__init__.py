"""What the reports compute that is a fact or a formula rather than a query: the clinical
quality measures as CMS defines them (measures.py), small-cell suppression and rates per 1,000
patient-months (rates.py), a service company's agreed share (contract.py) and the capacity
planning arithmetic (capacity.py). Pure: no Django, no clock."""
