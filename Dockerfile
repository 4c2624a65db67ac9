FROM python:3.11-slim
WORKDIR /app
# espeak-ng speaks the loudspeaker calls in Bahasa Indonesia (server/services/announcements.py).
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN pip install --no-cache-dir '.[postgres]'
ENV SAMBANG_HOST=0.0.0.0 SAMBANG_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
CMD ["sambang", "serve"]
