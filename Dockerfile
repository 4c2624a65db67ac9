FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir '.[postgres]'
ENV SAMBANG_HOST=0.0.0.0 SAMBANG_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
CMD ["sambang", "serve"]
