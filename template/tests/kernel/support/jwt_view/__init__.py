# Template-owned (Keel): `copier update` refreshes this file; put your code in modules/.
