# Thin wrappers kept from the seed project; everything goes through the `dropship` CLI.
.PHONY: install start generate-data setup run produce consume task monitor validate doctor docker-up docker-down kafka-local kafka-down test bench

install:
	npm install

start:
	npm start

generate-data:
	npx dropship generate --customers 1000 --products 200 --orders 5000 --seed 42

setup:
	npx dropship setup

run:
	npx dropship run

produce:
	npx dropship produce --mode replay --rate 10

consume:
	npx dropship consume

task:
	npx dropship task run

monitor:
	npx dropship monitor --port 8501

validate:
	npx dropship validate

doctor:
	npx dropship doctor

docker-up:
	docker compose up -d

docker-down:
	docker compose down

kafka-local:
	bash scripts/kafka-local.sh up

kafka-down:
	bash scripts/kafka-local.sh down

test:
	npm test

bench:
	npm run bench
